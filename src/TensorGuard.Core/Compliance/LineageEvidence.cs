using TensorGuard.Core.Fingerprints.Lineage;

namespace TensorGuard.Core.Compliance;

/// <summary>One lineage test (<c>tensorguard-lineage</c>) of an artifact against a base of the policy.</summary>
/// <param name="Log10PValue">
/// log10 of the probability of a similarity this high between unrelated weights (kept as a logarithm because real
/// derivations reach p-values far below the smallest double); null when the method gives none.
/// </param>
/// <param name="Reason">The method's one-sentence explanation of the verdict, if it gave one.</param>
public sealed record LineageTest(string Base, LineageVerdict Verdict, double Similarity, double? Log10PValue, string? Reason = null);

/// <summary>The family classifier's answer: the nearest base, how far it is, and whether that is too far to mean anything.</summary>
/// <param name="Threshold">The distance beyond which a model is unknown.</param>
public sealed record NearestBase(string Base, string Family, double Distance, double Threshold, bool Unknown);

/// <summary>
/// Whatever the analysis stages found about an artifact's lineage: lineage tests against bases, the classifier's
/// nearest base, or neither. Compliance works with any of them (<see cref="DetectedLineage.From"/>).
/// </summary>
public sealed record LineageEvidence(NearestBase? Nearest, IReadOnlyList<LineageTest> Tests)
{
    public static readonly LineageEvidence None = new(null, []);
}
