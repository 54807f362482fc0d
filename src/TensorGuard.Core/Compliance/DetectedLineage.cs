using System.Globalization;
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
/// The lineage compliance acts on, resolved from <see cref="LineageEvidence"/>: a lineage test that found derivation
/// wins; a "not derived" test overrules the classifier's nearest base (same architecture is not derivation);
/// otherwise the nearest base within the classifier's threshold is taken as likely.
/// </summary>
/// <param name="Family">The family id; null when unknown.</param>
/// <param name="FamilyName">The family's display name from the policy.</param>
public sealed record DetectedLineage(LineageStrength Strength, PolicyBase? Base, string? Family, string Evidence, LineageEvidence Source)
{
    public string? FamilyName { get; init; }

    public static DetectedLineage From(LineageEvidence evidence, PolicyDocument policy)
    {
        PolicyBase? Find(string name) => policy.Bases.FirstOrDefault(b => string.Equals(b.Name, name, StringComparison.OrdinalIgnoreCase));

        LineageTest? derived = evidence.Tests
            .Where(test => test.Verdict == LineageVerdict.Derived && Find(test.Base) is not null)
            .OrderBy(test => test.Log10PValue ?? 0)
            .ThenByDescending(test => test.Similarity)
            .FirstOrDefault();
        if (derived is not null)
        {
            PolicyBase proven = Find(derived.Base)!;
            return new DetectedLineage(LineageStrength.Derived, proven, proven.FamilyId, Describe(derived), evidence)
            {
                FamilyName = DisplayName(policy, proven.FamilyId),
            };
        }

        if (evidence.Nearest is { Unknown: false } nearest && Find(nearest.Base) is { } likely)
        {
            LineageTest? refuted = evidence.Tests.FirstOrDefault(test =>
                test.Verdict == LineageVerdict.NotDerived && string.Equals(test.Base, likely.Name, StringComparison.OrdinalIgnoreCase));
            if (refuted is null)
            {
                return new DetectedLineage(LineageStrength.Nearest, likely, likely.FamilyId, Describe(nearest), evidence)
                {
                    FamilyName = DisplayName(policy, likely.FamilyId),
                };
            }

            return new DetectedLineage(LineageStrength.Unknown, null, null,
                $"{Describe(nearest)}, but {Describe(refuted)}: same architecture, weights not derived from it", evidence);
        }

        string unknown = (evidence.Nearest, evidence.Tests.Count) switch
        {
            (null, 0) => "no lineage evidence was available",
            ({ } far, _) => Describe(far),
            _ => $"lineage: not derived from any of the {evidence.Tests.Count} bases tested",
        };
        return new DetectedLineage(LineageStrength.Unknown, null, null, unknown, evidence);
    }

    private static string DisplayName(PolicyDocument policy, string family) =>
        policy.Families.FirstOrDefault(f => f.Id == family)?.DisplayName ?? family;

    private static string Describe(LineageTest test) => test.Verdict switch
    {
        LineageVerdict.Derived => string.Create(CultureInfo.InvariantCulture,
            $"lineage: derived from {test.Base} (similarity {test.Similarity:0.000}{PValueText(test.Log10PValue)})"),
        LineageVerdict.NotDerived => string.Create(CultureInfo.InvariantCulture,
            $"lineage: not derived from {test.Base} (similarity {test.Similarity:0.000}{PValueText(test.Log10PValue)})"),
        _ => $"lineage test against {test.Base} inconclusive",
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
