using System.Globalization;
using TensorGuard.Core.Fingerprints.Lineage;
using TensorGuard.Core.Policy;

namespace TensorGuard.Core.Compliance;

/// <summary>
/// The lineage compliance acts on, resolved from <see cref="LineageEvidence"/> into one <see cref="EvidenceLevel"/>.
/// Byte identity with a base wins; then a lineage test that found derivation, whatever the classifier says (the
/// evidence says when it overrules the classifier); a "not derived" test overrules the classifier's nearest base
/// (same architecture is not derivation); otherwise the nearest base within the classifier's threshold is what the
/// artifact <em>resembles</em>, never proof that it derives from it.
/// </summary>
/// <param name="Base">The base the evidence points at: proven for identical/derived, resembled for resembles; null otherwise.</param>
/// <param name="Family">The family id of <paramref name="Base"/>; null when there is none.</param>
public sealed record DetectedLineage(EvidenceLevel Level, PolicyBase? Base, string? Family, string Evidence, LineageEvidence Source)
{
    /// <summary>The family's display name from the policy.</summary>
    public string? FamilyName { get; init; }

    /// <summary>Bases of other families the weights also derive from (a merge across families), strongest first.</summary>
    public IReadOnlyList<PolicyBase> MergedFrom { get; init; } = [];

    /// <summary>The lineage test that decided (derived, or refuting the nearest base), or the one against the resembled base; null when none ran.</summary>
    public LineageTest? Test { get; init; }

    /// <summary>The byte identity with <see cref="Base"/>, when the level is identical.</summary>
    public IdentityMatch? Identity { get; init; }

    public static DetectedLineage From(LineageEvidence evidence, PolicyDocument policy)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        ArgumentNullException.ThrowIfNull(policy);
        PolicyBase? Find(string name) => policy.Bases.FirstOrDefault(b => string.Equals(b.Name, name, StringComparison.OrdinalIgnoreCase));

        LineageTest[] derivations = evidence.Tests
            .Where(test => test.Verdict == LineageVerdict.Derived && Find(test.Base) is not null)
            .OrderBy(test => test.Log10PValue ?? 0)
            .ThenByDescending(test => test.Similarity)
            .ToArray();
        IdentityMatch? identity = evidence.Identity
            .Where(match => match.Any && Find(match.Base) is not null)
            .OrderByDescending(match => match.Complete)
            .ThenByDescending(match => match.IdenticalFiles)
            .ThenByDescending(match => match.IdenticalTensors)
            .FirstOrDefault();
        if (identity is not null)
        {
            PolicyBase same = Find(identity.Base)!;
            LineageTest? test = evidence.Tests.FirstOrDefault(t => string.Equals(t.Base, same.Name, StringComparison.OrdinalIgnoreCase));
            string lineage = test is null ? string.Empty : "; " + Describe(test);
            return new DetectedLineage(EvidenceLevel.Identical, same, same.FamilyId,
                Describe(identity) + lineage + Merged(derivations, same, Find), evidence)
            {
                FamilyName = DisplayName(policy, same.FamilyId),
                Test = test,
                Identity = identity,
                MergedFrom = MergedBases(derivations, same, Find),
            };
        }

        if (derivations.Length > 0)
        {
            PolicyBase proven = Find(derivations[0].Base)!;
            return new DetectedLineage(EvidenceLevel.Derived, proven, proven.FamilyId,
                Describe(derivations[0]) + Merged(derivations, proven, Find) + Classifier(evidence.Nearest, proven), evidence)
            {
                FamilyName = DisplayName(policy, proven.FamilyId),
                Test = derivations[0],
                MergedFrom = MergedBases(derivations, proven, Find),
            };
        }

        if (HubDerivation(evidence, Find) is { } fromHub)
        {
            PolicyBase proven = fromHub.Reading.AsBase(policy);
            string? family = proven.FamilyId.Length == 0 ? null : proven.FamilyId;
            return new DetectedLineage(EvidenceLevel.Derived, proven, family,
                Describe(fromHub.Test) + Classifier(evidence.Nearest, proven), evidence)
            {
                FamilyName = family is null ? "unlisted" : DisplayName(policy, family),
                Test = fromHub.Test,
            };
        }

        if (evidence.Nearest is { Unknown: false } nearest && Find(nearest.Base) is { } likely)
        {
            LineageTest? test = evidence.Tests.FirstOrDefault(t => string.Equals(t.Base, likely.Name, StringComparison.OrdinalIgnoreCase));
            if (test?.Verdict == LineageVerdict.NotDerived)
            {
                return new DetectedLineage(EvidenceLevel.NotDerived, null, null,
                    $"{Describe(nearest)}, but {Describe(test)}: the same architecture as the {DisplayName(policy, likely.FamilyId)} family, "
                    + "not its weights; the lineage test overrules the classifier", evidence)
                {
                    Test = test,
                };
            }

            string lineage = test is null
                ? $"lineage not verified: the policy has no lineage sketch of {likely.Name}"
                : $"lineage not verified: {Describe(test)}";
            return new DetectedLineage(EvidenceLevel.Resembles, likely, likely.FamilyId,
                $"{Describe(nearest)}: the same architecture and family statistics, which independently trained models share; {lineage}", evidence)
            {
                FamilyName = DisplayName(policy, likely.FamilyId),
                Test = test,
            };
        }

        string[] parts = [.. evidence.Nearest is { } far ? [Describe(far)] : Array.Empty<string>(), .. Tests(evidence.Tests)];
        EvidenceLevel level = evidence.Tests.Count == 0 ? EvidenceLevel.Unknown
            : evidence.Tests.All(test => test.Verdict == LineageVerdict.NotDerived) ? EvidenceLevel.NotDerived
            : EvidenceLevel.Inconclusive;
        return new DetectedLineage(level, null, null,
            parts.Length == 0 ? "no lineage evidence was available" : string.Join("; ", parts), evidence);
    }

    /// <summary>
    /// The strongest derivation from a declared base the policy does not list, proven against its sketch read from the
    /// Hub. It decides only when no base of the policy is proven: the policy's own bases come first.
    /// </summary>
    private static (LineageTest Test, HubBaseReading Reading)? HubDerivation(LineageEvidence evidence, Func<string, PolicyBase?> find) =>
        evidence.Tests
            .Where(test => test.Verdict == LineageVerdict.Derived && find(test.Base) is null)
            .Select(test => (Test: test, Reading: evidence.HubBases.FirstOrDefault(r => r.Problem is null && string.Equals(r.Name, test.Base, StringComparison.OrdinalIgnoreCase))))
            .Where(pair => pair.Reading is not null)
            .OrderBy(pair => pair.Test.Log10PValue ?? 0)
            .ThenByDescending(pair => pair.Test.Similarity)
            .Select(pair => ((LineageTest, HubBaseReading)?)(pair.Test, pair.Reading!))
            .FirstOrDefault();

    /// <summary>Bases of other families than <paramref name="main"/>'s that the lineage test also proved (a merge across families).</summary>
    private static PolicyBase[] MergedBases(LineageTest[] derivations, PolicyBase main, Func<string, PolicyBase?> find) =>
        derivations.Select(test => find(test.Base)!).Where(b => b.FamilyId != main.FamilyId).Distinct().ToArray();

    /// <summary>
    /// Within a family, a base derived from another (an instruct model from its base) shows up as derived from both;
    /// weights derived from bases of other families too are a merge across families.
    /// </summary>
    private static string Merged(LineageTest[] derivations, PolicyBase main, Func<string, PolicyBase?> find)
    {
        LineageTest[] merged = derivations.Where(test => find(test.Base)!.FamilyId != main.FamilyId).ToArray();
        return merged.Length == 0 ? string.Empty : $"; also {string.Join("; ", merged.Select(Describe))}: a merge across families";
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

    /// <summary>Byte identity in words: "identical to X (…)" or "N of M non-trivial tensors bit-identical to X".</summary>
    public static string Describe(IdentityMatch identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        string files = identity.IdenticalFiles > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{identity.IdenticalFiles} of {identity.Files} weight {(identity.Files == 1 ? "file" : "files")} with the SHA-256 the base records")
            : string.Empty;
        string tensors = identity.Tensors > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{identity.IdenticalTensors} of {identity.Tensors} non-trivial tensors bit-identical")
            : string.Empty;
        string detail = string.Join(", ", new[] { files, tensors }.Where(text => text.Length > 0));
        return identity.Complete
            ? $"identity: identical to {identity.Base} ({detail})"
            : string.Create(CultureInfo.InvariantCulture, $"identity: {identity.IdenticalTensors} of {identity.Tensors} non-trivial tensors bit-identical to {identity.Base}{(identity.IdenticalFiles > 0 ? $" ({files})" : string.Empty)}");
    }

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
        $"classifier: resembles {nearest.Base} ({nearest.Family}) at distance {nearest.Distance:0.00}, threshold {nearest.Threshold:0.00}{(nearest.Unknown ? ", too far to belong to it" : string.Empty)}");

    private static string PValueText(double? log10PValue) => log10PValue is { } log10 ? $", {PValueClause(log10)}" : string.Empty;

    /// <summary>"p = 0.031", "p = 2.5e-5", or "p &lt; 1e-6" beyond what the calibration of the null supports.</summary>
    public static string PValueClause(double log10PValue) =>
        log10PValue < LineageSettings.CalibratedLog10PValueFloor ? $"p {FormatPValue(log10PValue)}" : $"p = {FormatPValue(log10PValue)}";

    /// <summary>
    /// A p-value given as its log10, written as <c>0.031</c> or <c>2.5e-5</c>; below the calibrated floor
    /// (<see cref="LineageSettings.CalibratedLog10PValueFloor"/>) as <c>&lt; 1e-6</c>: the null model was not checked
    /// that far, so smaller values are not claimed. JSON reports keep the raw log10.
    /// </summary>
    public static string FormatPValue(double log10PValue)
    {
        if (log10PValue < LineageSettings.CalibratedLog10PValueFloor)
        {
            return string.Create(CultureInfo.InvariantCulture, $"< 1e{LineageSettings.CalibratedLog10PValueFloor:0}");
        }

        if (log10PValue >= -3)
        {
            return Math.Pow(10, log10PValue).ToString("0.###", CultureInfo.InvariantCulture);
        }

        double exponent = Math.Floor(log10PValue);
        double mantissa = Math.Pow(10, log10PValue - exponent);
        return string.Create(CultureInfo.InvariantCulture, $"{mantissa:0.0}e{exponent:0}");
    }
}
