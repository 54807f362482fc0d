using TensorGuard.Core.Fingerprints.Lineage;

namespace TensorGuard.Core.Compliance;

/// <summary>One lineage test (<c>tensorguard-lineage</c>) of an artifact against a base of the policy.</summary>
/// <param name="Log10PValue">
/// log10 of the probability of a similarity this high between unrelated weights (kept as a logarithm because real
/// derivations reach p-values far below the smallest double); null when the method gives none.
/// </param>
/// <param name="Reason">The method's one-sentence explanation of the verdict, if it gave one.</param>
public sealed record LineageTest(string Base, LineageVerdict Verdict, double Similarity, double? Log10PValue, string? Reason = null)
{
    /// <summary>The test's z-score (the strongest view's, in standard deviations of the null), when the method gave one.</summary>
    public double? ZScore { get; init; }
}

/// <summary>The family classifier's answer: the nearest base, how far it is, and whether that is too far to mean anything.</summary>
/// <param name="Threshold">The distance beyond which a model is unknown.</param>
public sealed record NearestBase(string Base, string Family, double Distance, double Threshold, bool Unknown);

/// <summary>
/// Byte identity of an artifact with a base of the policy (<c>tensorguard-identity</c>): whole files whose SHA-256
/// equals one the base records, and non-trivial tensors whose content hash equals one of the base's, matched by
/// content whatever their names or shards.
/// </summary>
/// <param name="Base">The base's name in the policy.</param>
/// <param name="IdenticalFiles">The artifact's weight files whose SHA-256 equals one of the base's files.</param>
/// <param name="Files">The artifact's weight files.</param>
/// <param name="IdenticalTensors">The artifact's non-trivial tensors bit-identical to one of the base's.</param>
/// <param name="Tensors">The artifact's non-trivial tensors (constant and small tensors never count).</param>
public sealed record IdentityMatch(string Base, int IdenticalFiles, int Files, int IdenticalTensors, int Tensors)
{
    /// <summary>Every weight file is the base's, or every non-trivial tensor is: the artifact is the base.</summary>
    public bool Complete => (Files > 0 && IdenticalFiles == Files) || (Tensors > 0 && IdenticalTensors == Tensors);

    /// <summary>Some weights are the base's: one bit-identical large non-trivial tensor is already proof of derivation.</summary>
    public bool Any => IdenticalFiles > 0 || IdenticalTensors > 0;
}

/// <summary>
/// Whatever the analysis stages found about an artifact's lineage: lineage tests against bases, the classifier's
/// nearest base, byte identity with bases, or none of them. Compliance works with any (<see cref="DetectedLineage.From"/>).
/// </summary>
public sealed record LineageEvidence(NearestBase? Nearest, IReadOnlyList<LineageTest> Tests)
{
    public static readonly LineageEvidence None = new(null, []);

    /// <summary>Bases some of whose files or tensors the artifact holds byte for byte.</summary>
    public IReadOnlyList<IdentityMatch> Identity { get; init; } = [];

    /// <summary>Declared bases read from the Hub to verify the declaration (their card's license, or why they could not be read).</summary>
    public IReadOnlyList<HubBaseReading> HubBases { get; init; } = [];
}
