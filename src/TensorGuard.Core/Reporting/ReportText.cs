using System.Globalization;
using TensorGuard.Core.Compliance;
using TensorGuard.Core.Fingerprints.Lineage;
using TensorGuard.Core.Policy;

namespace TensorGuard.Core.Reporting;

/// <summary>Words and phrases every report format uses, so they cannot drift apart.</summary>
public static class ReportText
{
    public static string Word(Severity severity) => severity switch
    {
        Severity.Error => "error",
        Severity.Warning => "warning",
        _ => "note",
    };

    public static string Word(FailOn failOn) => failOn switch
    {
        FailOn.Error => "error",
        FailOn.Warning => "warning",
        _ => "never",
    };

    public static string Word(ArtifactStatus status) => status switch
    {
        ArtifactStatus.Compliant => "compliant",
        ArtifactStatus.Findings => "findings",
        ArtifactStatus.Violation => "violation",
        _ => "unreadable",
    };

    public static string Word(Verdict verdict) => verdict switch
    {
        Verdict.Pass => "pass",
        Verdict.Fail => "fail",
        _ => "incomplete",
    };

    public static string Word(DeclarationSource source) => source switch
    {
        DeclarationSource.ModelCard => "model-card",
        DeclarationSource.FileName => "file-name",
        DeclarationSource.FileMetadata => "file-metadata",
        DeclarationSource.Policy => "policy",
        _ => "override",
    };

    /// <summary>The evidence level's token (<c>identical</c>, <c>derived</c>, <c>resembles</c>, …).</summary>
    public static string Word(EvidenceLevel level) => level.Token();

    /// <summary>The verdict as a JSON token: <c>derived</c>, <c>not-derived</c> or <c>inconclusive</c>.</summary>
    public static string Word(LineageVerdict verdict) => verdict.Describe().Replace(' ', '-');

    /// <summary>A lineage test's p-value as text (<c>2.5e-5</c>, <c>&lt; 1e-6</c>), or a dash when the method gave none.</summary>
    public static string PValue(LineageTest test) => test.Log10PValue is { } log10 ? DetectedLineage.FormatPValue(log10) : "—";

    /// <summary>One lineage test in one line: base, verdict, similarity and p-value.</summary>
    public static string Test(LineageTest test) =>
        Invariant($"{test.Base}: {test.Verdict.Describe()}, similarity {test.Similarity:0.000}, {(test.Log10PValue is { } log10 ? DetectedLineage.PValueClause(log10) : "p = —")}");

    /// <summary>The classifier's answer in one line.</summary>
    public static string Nearest(NearestBase nearest) =>
        Invariant($"{nearest.Base} ({nearest.Family}) at distance {nearest.Distance:0.00}, threshold {nearest.Threshold:0.00}{(nearest.Unknown ? ", beyond it" : string.Empty)}");

    /// <summary>How the lineage verdicts are reached, for readers of a report.</summary>
    public static string LineageRule { get; } = Invariant(
        $"{LineageSettings.MethodId}: derived when p ≤ {LineageSettings.DerivedPValue:0e0}, not derived when p > {LineageSettings.NotDerivedPValue:0e0}, inconclusive in between; p is the probability of this similarity between unrelated weights");

    /// <summary>The number of artifacts detected in each model family, by family id in ordinal order.</summary>
    public static IReadOnlyDictionary<string, int> Families(CheckResult result) =>
        new SortedDictionary<string, int>(
            result.Artifacts
                .Where(a => a.Detected?.Family is not null)
                .GroupBy(a => a.Detected!.Family!)
                .ToDictionary(g => g.Key, g => g.Count()),
            StringComparer.Ordinal);

    /// <summary>The number of analysed artifacts at each evidence level, by level token, strongest level first (levels no artifact reached are left out).</summary>
    public static IReadOnlyDictionary<string, int> EvidenceLevels(CheckResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (EvidenceLevel level in Compliance.EvidenceLevels.All)
        {
            int count = result.Artifacts.Count(a => a.Detected?.Level == level);
            if (count > 0)
            {
                counts[level.Token()] = count;
            }
        }

        return counts;
    }

    /// <summary>The one-line verdict every report starts with.</summary>
    public static string Headline(CheckResult result)
    {
        int models = result.Artifacts.Count;
        int unreadable = result.Artifacts.Count(a => a.Status == ArtifactStatus.Unreadable);
        int failing = result.Artifacts.Count(a => a.Status == ArtifactStatus.Violation);
        int findings = result.Artifacts.Sum(a => a.Findings.Count(f => f.IsActive));
        string violations = Invariant($"{result.Violations} {Plural(result.Violations, "finding")} at or above {Word(result.FailOn)} in {failing} of {models} {Models(models)}");
        string alsoViolations = result.Violations > 0 ? "; " + violations : string.Empty;
        return result.Verdict switch
        {
            Verdict.Incomplete when unreadable > 0 => Invariant($"incomplete: {unreadable} of {models} {Models(models)} could not be analysed, so {(unreadable == 1 ? "it is" : "they are")} not known to be compliant{alsoViolations}"),
            Verdict.Incomplete => Invariant($"incomplete: a selected model pattern matched nothing ({models} {Models(models)} checked){alsoViolations}"),
            Verdict.Fail => "fail: " + violations,
            _ when findings > 0 => Invariant($"pass: {models} {Models(models)} checked; {findings} {Plural(findings, "finding")} below the fail-on threshold ({Word(result.FailOn)})"),
            _ => Invariant($"pass: {models} {Models(models)} checked, all compliant"),
        };
    }

    /// <summary>Declared name, license and base models in one line.</summary>
    public static string Declared(DeclaredIdentity declared)
    {
        string license = declared.License is { } l ? $"{l.Value}{Source(l.Source)}" : "(none)";
        string bases = declared.BaseModels is { } b ? $"{string.Join(", ", b.Value.Select(Formats.UntrustedText.Printable))}{Source(b.Source)}" : "(none)";
        return $"name {Formats.UntrustedText.Printable(declared.Name.Value)}{Source(declared.Name.Source)} · license {license} · base model {bases}";
    }

    /// <summary>The evidence level and what it says about the base, family and license, in one line without the details.</summary>
    public static string Detected(DetectedLineage detected) => detected.Level switch
    {
        EvidenceLevel.Identical => $"identical: {IdentityText(detected)} ({detected.FamilyName}{LicenseText(detected.Base!)})",
        EvidenceLevel.Derived => $"derived: {detected.Base!.Name} ({detected.FamilyName}{LicenseText(detected.Base)}; lineage {(detected.Test?.Log10PValue is { } log10 ? DetectedLineage.PValueClause(log10) : "p = —")})",
        EvidenceLevel.Resembles => $"resembles: {detected.Base!.Name} ({detected.FamilyName}{LicenseText(detected.Base)}; architecture match, {(detected.Test is null ? "lineage not verified" : "lineage inconclusive")})",
        EvidenceLevel.NotDerived when detected.Test is { } refuted => $"not-derived: the architecture of {refuted.Base}, not its weights; no base of the policy explains the weights",
        EvidenceLevel.NotDerived => "not-derived: no base of the policy explains the weights",
        EvidenceLevel.Inconclusive => "inconclusive: no base of the policy is proven or refuted",
        _ => "unknown: no base of the policy explains the weights",
    };

    private static string IdentityText(DetectedLineage detected) => detected.Identity is { Complete: false } partial
        ? Invariant($"{partial.IdenticalTensors} of {partial.Tensors} non-trivial tensors bit-identical to {detected.Base!.Name}")
        : detected.Base!.Name;

    public static string Plural(int count, string word) => count == 1 ? word : word + "s";

    private static string Models(int count) => Plural(count, "model");

    private static string LicenseText(PolicyBase model) => model.License is { } license ? $" family, license {license}" : " family";

    private static string Source(DeclarationSource source) => source switch
    {
        DeclarationSource.Override => " [override]",
        DeclarationSource.Policy => " [policy]",
        DeclarationSource.FileName => " [file name]",
        DeclarationSource.FileMetadata => " [file metadata]",
        _ => string.Empty,
    };

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
