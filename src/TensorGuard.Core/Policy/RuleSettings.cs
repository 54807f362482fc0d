namespace TensorGuard.Core.Policy;

/// <summary>How serious a finding is; ordered so that comparisons mean "at least as serious".</summary>
public enum Severity
{
    Note,
    Warning,
    Error,
}

/// <summary>The lowest severity that fails a run.</summary>
public enum FailOn
{
    Error,
    Warning,
    Never,
}

/// <summary>The severity of every rule, after the policy's <c>rules:</c> section; <c>off</c> rules are absent.</summary>
public sealed record RuleSettings(IReadOnlyDictionary<string, Severity> Severities)
{
    public static readonly RuleSettings Default = new(RuleIds.DefaultSeverities);

    /// <summary>The rules the policy's <c>rules:</c> section sets itself.</summary>
    public IReadOnlySet<string> Explicit { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>The rule's severity, or null when the policy turned it off.</summary>
    public Severity? SeverityOf(string ruleId) => Severities.TryGetValue(ruleId, out Severity severity) ? severity : null;

    /// <summary>
    /// <c>license-unknown</c> defaults to an error for an organisation that ships commercially (a license nobody
    /// checked may forbid that), to a warning otherwise; a severity the policy sets itself stays.
    /// </summary>
    public RuleSettings WithUnknownLicenseDefault(bool commercial) => commercial && !Explicit.Contains(RuleIds.LicenseUnknown)
        ? this with { Severities = new Dictionary<string, Severity>(Severities, StringComparer.Ordinal) { [RuleIds.LicenseUnknown] = Severity.Error } }
        : this;
}

/// <summary>Stable ids of the findings TensorGuard reports (documented in the README).</summary>
public static class RuleIds
{
    public const string LicenseConflict = "license-conflict";
    public const string Naming = "naming";
    public const string NoticeMissing = "notice-missing";
    public const string BaseMismatch = "base-mismatch";
    public const string BaseLicenseMismatch = "base-license-mismatch";
    public const string UndeclaredBase = "undeclared-base";
    public const string UnknownLineage = "unknown-lineage";
    public const string LineageUnverified = "lineage-unverified";
    public const string FamilyDenied = "family-denied";
    public const string LicenseDenied = "license-denied";
    public const string LicenseUnknown = "license-unknown";
    public const string NonCommercial = "non-commercial";
    public const string ModelCard = "model-card";
    public const string UnreadableArtifact = "unreadable-artifact";
    public const string UnsafePickle = Formats.PyTorch.UnsafePickleException.FindingId;

    /// <summary>Every rule with its severity when the policy says nothing.</summary>
    public static readonly IReadOnlyDictionary<string, Severity> DefaultSeverities = new Dictionary<string, Severity>(StringComparer.Ordinal)
    {
        [LicenseConflict] = Severity.Error,
        [Naming] = Severity.Error,
        [NoticeMissing] = Severity.Error,
        [BaseMismatch] = Severity.Error,
        [BaseLicenseMismatch] = Severity.Warning,
        [UndeclaredBase] = Severity.Warning,
        [UnknownLineage] = Severity.Warning,
        [LineageUnverified] = Severity.Warning,
        [FamilyDenied] = Severity.Error,
        [LicenseDenied] = Severity.Error,
        [LicenseUnknown] = Severity.Warning,
        [NonCommercial] = Severity.Error,
        [ModelCard] = Severity.Warning,
        [UnreadableArtifact] = Severity.Error,
        [UnsafePickle] = Severity.Error,
    };

    /// <summary>
    /// Rules a policy may neither turn down nor except: an artifact that was not analysed must never read as clean
    /// (a pickle that could run code is refused, so it is not analysed either).
    /// </summary>
    public static bool IsFixed(string ruleId) => MeansNotAnalysed(ruleId);

    /// <summary>Rules whose finding means the artifact was not analysed: its status is unreadable and the run incomplete.</summary>
    public static bool MeansNotAnalysed(string ruleId) => ruleId is UnreadableArtifact or UnsafePickle;
}
