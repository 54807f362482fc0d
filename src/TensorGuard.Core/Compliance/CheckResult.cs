using TensorGuard.Core.Policy;

namespace TensorGuard.Core.Compliance;

/// <summary>What a check concluded about one artifact.</summary>
public enum ArtifactStatus
{
    /// <summary>Analysed; no active finding.</summary>
    Compliant,

    /// <summary>Analysed; active findings, all below <c>fail-on</c>.</summary>
    Findings,

    /// <summary>Analysed; at least one active finding at or above <c>fail-on</c>.</summary>
    Violation,

    /// <summary>Not analysed: never compliant.</summary>
    Unreadable,
}

/// <summary>The run's verdict, which decides the exit code.</summary>
public enum Verdict
{
    /// <summary>Every artifact analysed; nothing at or above <c>fail-on</c> (exit 0).</summary>
    Pass,

    /// <summary>Findings at or above <c>fail-on</c> (exit 2).</summary>
    Fail,

    /// <summary>Something could not be analysed, or a required pattern matched nothing (exit 3).</summary>
    Incomplete,
}

/// <summary>One checked artifact: what it declares, what was detected, and the findings.</summary>
/// <param name="Path">The artifact, relative to the repository root where it lies inside it.</param>
/// <param name="Declared">Null when the artifact could not be read at all.</param>
/// <param name="Detected">Null when the artifact could not be analysed.</param>
/// <param name="Reminders">Terms of the governing licenses a gate cannot check (user thresholds, use policies).</param>
public sealed record ArtifactResult(
    string Path,
    DeclaredIdentity? Declared,
    DetectedLineage? Detected,
    IReadOnlyList<Finding> Findings,
    IReadOnlyList<string> Reminders,
    ArtifactStatus Status)
{
    /// <summary>
    /// The artifact's files: the weights that were read, or for an artifact that could not be opened the weights files
    /// it seems to hold. Reports point findings without a file of their own at the first (never at a folder).
    /// </summary>
    public IReadOnlyList<ArtifactFile> Files { get; init; } = [];

    /// <summary>How the artifact differs from the base revision of a pull request; null when no base was compared.</summary>
    public ArtifactChange? Change { get; init; }

    /// <summary>
    /// The bases its declared <c>base_model</c> ids name, resolved by the policy (by name or alias; an id the policy does
    /// not know by its last path segment), in declaration order: the names its lineage tests carry.
    /// </summary>
    public IReadOnlyList<string> DeclaredBaseNames { get; init; } = [];
}

/// <summary>How an artifact differs from a base revision (see <c>check --changed-since</c>).</summary>
public enum ArtifactChange
{
    /// <summary>None of its files existed at the base: every finding is new.</summary>
    Added,

    /// <summary>Some of its files (or the policy) changed: its findings may be new or may have been there before.</summary>
    Modified,

    /// <summary>Its files and the policy are as at the base, so the base branch has the same findings.</summary>
    Unchanged,
}

/// <summary>One file of an artifact.</summary>
/// <param name="Sha256">Lower-case hex SHA-256 of the contents; null when the run was not asked to hash.</param>
public sealed record ArtifactFile(string Path, long Length, string? Sha256);

/// <summary>A message about the run rather than one artifact (an expired or unused exception, a pattern that matched nothing).</summary>
public sealed record RunMessage(Severity Severity, string Text);

/// <summary>The outcome of <c>tensorguard check</c>: what the reports render and what decides the exit code.</summary>
/// <param name="Root">The directory paths are shown relative to (the repository root).</param>
public sealed record CheckResult(
    string PolicyPath,
    string Root,
    FailOn FailOn,
    IReadOnlyList<ArtifactResult> Artifacts,
    IReadOnlyList<RunMessage> Messages,
    Verdict Verdict)
{
    /// <summary>The run used the bundled default policy because the repository has none: every report says so first.</summary>
    public bool BundledPolicy { get; init; }

    /// <summary>The policy the run used.</summary>
    public PolicyUsed Policy => new(PolicyPath, BundledPolicy);

    /// <summary>
    /// Active findings at or above <c>fail-on</c> in analysed artifacts: the number the action reports as violations
    /// (unreadable artifacts are counted by their status; they make the run incomplete whatever this says).
    /// </summary>
    public int Violations => Artifacts.Sum(artifact => artifact.Findings.Count(finding =>
        finding.IsActive && !RuleIds.MeansNotAnalysed(finding.RuleId) && Fails(finding.Severity, FailOn)));

    /// <summary><paramref name="path"/> relative to <see cref="Root"/> with <c>/</c> separators, when it lies inside it.</summary>
    public string Display(string path)
    {
        string relative = System.IO.Path.GetRelativePath(Root, System.IO.Path.GetFullPath(path));
        return relative.StartsWith("..", StringComparison.Ordinal) || System.IO.Path.IsPathRooted(relative)
            ? path
            : relative.Replace('\\', '/');
    }

    /// <summary>Whether a finding of <paramref name="severity"/> fails a run with <paramref name="failOn"/>.</summary>
    public static bool Fails(Severity severity, FailOn failOn) => failOn switch
    {
        FailOn.Error => severity >= Severity.Error,
        FailOn.Warning => severity >= Severity.Warning,
        _ => false,
    };
}
