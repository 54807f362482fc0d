using TensorGuard.Core.Fingerprints.Lineage;

namespace TensorGuard.Core.Classification;

/// <summary>
/// Whether the lineage method confirms that a model derives from the base the classifier found nearest.
/// The classifier's features mostly reflect shapes (same family), the lineage test the weights themselves.
/// </summary>
/// <param name="Base">The nearest base.</param>
/// <param name="Verdict">The lineage verdict, or null when either side has no lineage sketch.</param>
/// <param name="Similarity">Lineage similarity (0 for unrelated weights, 1 for identical), when tested.</param>
/// <param name="Log10PValue">log10 of the p-value of "unrelated", when tested.</param>
/// <param name="Reason">One sentence: the lineage method's reason, or why nothing was tested.</param>
public sealed record NearestBaseLineage(string Base, LineageVerdict? Verdict, double? Similarity, double? Log10PValue, string Reason)
{
    /// <summary>Tests <paramref name="query"/>'s sketch against the sketch of <paramref name="result"/>'s nearest base.</summary>
    public static NearestBaseLineage Confirm(FamilyClassification result, IReadOnlyList<ReferenceBase> bases, LineageSketch? query)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(bases);
        LineageSketch? baseSketch = bases.FirstOrDefault(b => b.Name == result.NearestBase)?.Lineage;
        if (baseSketch is null)
        {
            return new(result.NearestBase, null, null, null, "not tested: the base's fingerprint carries no lineage sketch (fingerprint the base's weights with --method all)");
        }

        if (query is null)
        {
            return new(result.NearestBase, null, null, null, "not tested: the input carries no lineage sketch (give the model itself, or a fingerprint made with --method all)");
        }

        LineageComparison comparison = LineageComparer.Compare(baseSketch, query);
        return new(result.NearestBase, comparison.Verdict, comparison.Similarity, comparison.Log10PValue, comparison.Reason);
    }
}
