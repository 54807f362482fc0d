using System.Globalization;
using TensorGuard.Core.Fingerprints.Lineage;
using TensorGuard.Core.Policy;

namespace TensorGuard.Core.Compliance;

/// <summary>How strong the claim "this artifact descends from <see cref="DetectedLineage.Base"/>" is.</summary>
public enum LineageStrength
{
    /// <summary>The lineage test found derivation with a significance.</summary>
    Derived,

    /// <summary>Only the classifier's nearest base, within its threshold: likely the family, plausibly the base.</summary>
    Nearest,

    /// <summary>No base of the policy explains the artifact.</summary>
    Unknown,
}

/// <summary>
/// The lineage compliance acts on, resolved from <see cref="LineageEvidence"/>. A lineage test that found derivation
/// wins, whatever the classifier says (the evidence says when it overrules the classifier); a "not derived" test
/// overrules the classifier's nearest base (same architecture is not derivation); otherwise the nearest base within
/// the classifier's threshold is taken as likely, and the evidence says whether lineage was inconclusive or untested.
/// </summary>
/// <param name="Family">The family id; null when unknown.</param>
public sealed record DetectedLineage(LineageStrength Strength, PolicyBase? Base, string? Family, string Evidence, LineageEvidence Source)
{
    /// <summary>The family's display name from the policy.</summary>
    public string? FamilyName { get; init; }

    /// <summary>Bases of other families the weights also derive from (a merge across families), strongest first.</summary>
    public IReadOnlyList<PolicyBase> MergedFrom { get; init; } = [];

    /// <summary>The lineage test that decided (derived, or refuting the nearest base), or the one against the likely base; null when none ran.</summary>
    public LineageTest? Test { get; init; }

    public static DetectedLineage From(LineageEvidence evidence, PolicyDocument policy)
    {
        PolicyBase? Find(string name) => policy.Bases.FirstOrDefault(b => string.Equals(b.Name, name, StringComparison.OrdinalIgnoreCase));

        LineageTest[] derivations = evidence.Tests
            .Where(test => test.Verdict == LineageVerdict.Derived && Find(test.Base) is not null)
            .OrderBy(test => test.Log10PValue ?? 0)
            .ThenByDescending(test => test.Similarity)
            .ToArray();
        if (derivations.Length > 0)
        {
            PolicyBase proven = Find(derivations[0].Base)!;

            // Within a family, a base derived from another (an instruct model from its base) shows up as derived from
            // both; weights derived from bases of other families too are a merge across families.
            LineageTest[] merged = derivations.Skip(1).Where(test => Find(test.Base)!.FamilyId != proven.FamilyId).ToArray();
            string mergeText = merged.Length == 0 ? string.Empty : $"; also {string.Join("; ", merged.Select(Describe))}: a merge across families";
            return new DetectedLineage(LineageStrength.Derived, proven, proven.FamilyId,
                Describe(derivations[0]) + mergeText + Classifier(evidence.Nearest, proven), evidence)
            {
                FamilyName = DisplayName(policy, proven.FamilyId),
                Test = derivations[0],
                MergedFrom = merged.Select(test => Find(test.Base)!).ToArray(),
            };
        }

        if (evidence.Nearest is { Unknown: false } nearest && Find(nearest.Base) is { } likely)
        {
            LineageTest? test = evidence.Tests.FirstOrDefault(t => string.Equals(t.Base, likely.Name, StringComparison.OrdinalIgnoreCase));
            if (test?.Verdict == LineageVerdict.NotDerived)
            {
                return new DetectedLineage(LineageStrength.Unknown, null, null,
                    $"{Describe(nearest)}, but {Describe(test)}: the same architecture as the {DisplayName(policy, likely.FamilyId)} family, "
                    + "not its weights; the lineage test overrules the classifier", evidence)
                {
                    Test = test,
                };
            }

            string lineage = test is null ? $"no lineage sketch of {likely.Name} in the policy, so derivation was not tested" : Describe(test);
            return new DetectedLineage(LineageStrength.Nearest, likely, likely.FamilyId, $"{Describe(nearest)}; {lineage}", evidence)
            {
                FamilyName = DisplayName(policy, likely.FamilyId),
                Test = test,
            };
        }

        string[] parts = [.. evidence.Nearest is { } far ? [Describe(far)] : Array.Empty<string>(), .. Tests(evidence.Tests)];
        return new DetectedLineage(LineageStrength.Unknown, null, null,
            parts.Length == 0 ? "no lineage evidence was available" : string.Join("; ", parts), evidence);
    }

    /// <summary>What the classifier says next to a lineage test that proved derivation from <paramref name="proven"/>.</summary>
    private static string Classifier(NearestBase? nearest, PolicyBase proven) => nearest switch
    {
        null => string.Empty,
        { Unknown: false } agrees when string.Equals(agrees.Base, proven.Name, StringComparison.OrdinalIgnoreCase) =>
            string.Create(CultureInfo.InvariantCulture, $"; the classifier agrees (nearest base at distance {agrees.Distance:0.00})"),
        _ => $"; {Describe(nearest)}, which the lineage test overrules",
    };

    /// <summary>The lineage tests of an artifact no base explains, in one phrase.</summary>
    private static IEnumerable<string> Tests(IReadOnlyList<LineageTest> tests)
    {
        if (tests.Count == 0)
        {
            yield break;
        }

        if (tests.All(test => test.Verdict == LineageVerdict.NotDerived))
        {
            yield return $"lineage: not derived from any of the {tests.Count} bases tested";
            yield break;
        }

        foreach (LineageTest test in tests.Where(test => test.Verdict != LineageVerdict.NotDerived))
        {
            yield return Describe(test);
        }
    }

    private static string DisplayName(PolicyDocument policy, string family) =>
        policy.Families.FirstOrDefault(f => f.Id == family)?.DisplayName ?? family;

    /// <summary>A lineage test in words: verdict, base, similarity and p-value.</summary>
    internal static string Describe(LineageTest test) => test.Verdict switch
    {
        LineageVerdict.Derived => string.Create(CultureInfo.InvariantCulture,
            $"lineage: derived from {test.Base} (similarity {test.Similarity:0.000}{PValueText(test.Log10PValue)})"),
        LineageVerdict.NotDerived => string.Create(CultureInfo.InvariantCulture,
            $"lineage: not derived from {test.Base} (similarity {test.Similarity:0.000}{PValueText(test.Log10PValue)})"),
        _ => string.Create(CultureInfo.InvariantCulture,
            $"lineage test against {test.Base} inconclusive (similarity {test.Similarity:0.000}{PValueText(test.Log10PValue)})"),
    };

    private static string Describe(NearestBase nearest) => string.Create(CultureInfo.InvariantCulture,
        $"classifier: nearest base {nearest.Base} ({nearest.Family}) at distance {nearest.Distance:0.00}, threshold {nearest.Threshold:0.00}{(nearest.Unknown ? ", too far to belong to it" : string.Empty)}");

    private static string PValueText(double? log10PValue) => log10PValue is { } log10 ? $", p = {FormatPValue(log10)}" : string.Empty;

    /// <summary>A p-value given as its log10, written as <c>0.031</c> or <c>2.5e-43</c>.</summary>
    public static string FormatPValue(double log10PValue)
    {
        if (log10PValue >= -3)
        {
            return Math.Pow(10, log10PValue).ToString("0.###", CultureInfo.InvariantCulture);
        }

        double exponent = Math.Floor(log10PValue);
        double mantissa = Math.Pow(10, log10PValue - exponent);
        return string.Create(CultureInfo.InvariantCulture, $"{mantissa:0.0}e{exponent:0}");
    }
}
