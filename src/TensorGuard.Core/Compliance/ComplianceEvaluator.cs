using System.Globalization;
using TensorGuard.Core.Formats;
using TensorGuard.Core.Formats.PyTorch;
using TensorGuard.Core.Policy;

namespace TensorGuard.Core.Compliance;

/// <summary>
/// Applies a policy to checked artifacts: the rules per artifact, then the policy's exceptions across the run (an
/// expired exception stops applying and says so; one that matches nothing is warned about), then the verdict.
/// </summary>
public sealed class ComplianceEvaluator(PolicyDocument policy, DateOnly today)
{
    /// <summary>What every report says first when no repository policy was found.</summary>
    public static readonly string BundledPolicyNotice =
        $"no repository policy found ({string.Join(", ", PolicyDiscovery.Candidates)}, from the working directory up to the repository root), "
        + "so this run used TensorGuard's bundled default policy; run 'tensorguard policy init' to write your own.";

    /// <summary>The findings for one analysed artifact; exceptions and status are settled by <see cref="Complete"/>.</summary>
    /// <param name="path">The artifact as reported (relative to the repository root where possible).</param>
    public ArtifactResult Evaluate(string path, DeclaredIdentity declared, LineageEvidence evidence)
    {
        DetectedLineage lineage = DetectedLineage.From(evidence, policy);
        var rules = new ArtifactRules(policy, declared, lineage);
        IReadOnlyList<Finding> findings = rules.Apply();
        string[] reminders = rules.Governing
            .SelectMany(terms => terms.Conditions.Select(condition => $"{terms.Name}: {condition}"))
            .ToArray();
        return new ArtifactResult(path, declared, lineage, findings, reminders, ArtifactStatus.Compliant)
        {
            DeclaredBaseNames = rules.ResolvedDeclaredBases.Select(b => b.BaseName).ToArray(),
        };
    }

    /// <summary>An artifact that could not be analysed: one <c>unreadable-artifact</c> error that no policy can lower.</summary>
    public static ArtifactResult Unreadable(string path, string problem, DeclaredIdentity? declared = null)
    {
        var finding = new Finding(RuleIds.UnreadableArtifact, Severity.Error, $"could not be analysed: {problem}",
            "Fix or replace the file (TensorGuard reads safetensors files, sharded indexes, model directories, GGUF, ONNX, PyTorch checkpoints, and PEFT adapters given their base weights), "
            + "or stop selecting it; an artifact that was not analysed is never reported as compliant.",
            Evidence: null, File: null);
        return new ArtifactResult(path, declared, null, [finding], [], ArtifactStatus.Unreadable);
    }

    /// <summary>
    /// A PyTorch checkpoint whose pickle names a global that could run code: one <c>unsafe-pickle</c> error that no
    /// policy can lower; the file was refused, so the artifact is not analysed and never compliant.
    /// </summary>
    public static ArtifactResult UnsafePickle(string path, UnsafePickleException error, DeclaredIdentity? declared = null)
    {
        var finding = new Finding(RuleIds.UnsafePickle, Severity.Error,
            $"the pickle names {UntrustedText.Printable(error.Global)} ({error.Opcode} at byte {error.Offset.ToString(CultureInfo.InvariantCulture)} of {UntrustedText.Printable(error.Stream)}), which is not a tensor-rebuilding function, so torch.load could run code from this file; it was not read",
            "Do not load the file. If it should be a model, convert the original checkpoint to safetensors in a sandbox (or have its publisher do so) "
            + "and commit that instead; if you did not expect a pickle here, treat the change as hostile.",
            Evidence: null, File: error.Path);
        return new ArtifactResult(path, declared, null, [finding], [], ArtifactStatus.Unreadable);
    }

    /// <summary>Applies exceptions and decides every status and the verdict.</summary>
    /// <param name="selectionMessages">Messages from selecting the artifacts (patterns that matched nothing).</param>
    /// <param name="selectionIncomplete">A required pattern matched nothing.</param>
    /// <param name="everyModelChecked">
    /// The run checked the policy's whole <c>models:</c> list, so an exception that matched no finding is known to be
    /// unused; a run on paths given by hand may have left out the models an exception is for.
    /// </param>
    public CheckResult Complete(IReadOnlyList<ArtifactResult> artifacts, IReadOnlyList<RunMessage> selectionMessages,
        bool selectionIncomplete, FailOn failOn, bool everyModelChecked = true)
    {
        var used = new HashSet<PolicyExemption>();
        var messages = new List<RunMessage>();
        if (policy.Bundled)
        {
            messages.Add(new RunMessage(Severity.Warning, BundledPolicyNotice));
        }

        messages.AddRange(selectionMessages);
        foreach (PolicyExemption expired in policy.Exemptions.Where(e => e.HasExpired(today)))
        {
            messages.Add(new RunMessage(Severity.Warning, string.Create(CultureInfo.InvariantCulture,
                $"{policy.Path}:{expired.Position}: the exception for {expired.RuleId} on '{expired.ModelPattern}' expired on {expired.Expires:yyyy-MM-dd}; its findings count again. Renew it with a new date or fix the findings.")));
        }

        ArtifactResult[] completed = artifacts.Select(artifact => Settle(artifact, used, failOn)).ToArray();
        // An artifact that was not analysed could still carry the finding an exception is for.
        IEnumerable<PolicyExemption> unusedExemptions = everyModelChecked
            ? policy.Exemptions.Where(e => !e.HasExpired(today) && !used.Contains(e)
                && !completed.Any(a => a.Status == ArtifactStatus.Unreadable && Matches(e, a)))
            : [];
        foreach (PolicyExemption unused in unusedExemptions)
        {
            messages.Add(new RunMessage(Severity.Warning,
                $"{policy.Path}:{unused.Position}: the exception for {unused.RuleId} on '{unused.ModelPattern}' matched no finding; remove it if the problem is fixed."));
        }

        Verdict verdict = selectionIncomplete || completed.Any(a => a.Status == ArtifactStatus.Unreadable) ? Verdict.Incomplete
            : completed.Any(a => a.Status == ArtifactStatus.Violation) ? Verdict.Fail
            : Verdict.Pass;
        return new CheckResult(policy.Path, policy.Root, failOn, completed, messages, verdict) { BundledPolicy = policy.Bundled };
    }

    private ArtifactResult Settle(ArtifactResult artifact, HashSet<PolicyExemption> used, FailOn failOn)
    {
        Finding[] findings = artifact.Findings
            .Select(finding => Exempt(artifact, finding, used))
            .OrderByDescending(finding => finding.IsActive)
            .ThenByDescending(finding => finding.Severity)
            .ThenBy(finding => finding.RuleId, StringComparer.Ordinal)
            .ThenBy(finding => finding.Message, StringComparer.Ordinal)
            .ToArray();
        ArtifactStatus status = findings.Any(f => RuleIds.MeansNotAnalysed(f.RuleId)) ? ArtifactStatus.Unreadable
            : findings.Any(f => f.IsActive && CheckResult.Fails(f.Severity, failOn)) ? ArtifactStatus.Violation
            : findings.Any(f => f.IsActive) ? ArtifactStatus.Findings
            : ArtifactStatus.Compliant;
        return artifact with { Findings = findings, Status = status };
    }

    /// <summary>
    /// Whether the exception's <c>model</c> glob names the artifact: its path relative to the repository root, its
    /// absolute path, a folder it lies in (either way), or its declared model name (ignoring case).
    /// </summary>
    private bool Matches(PolicyExemption exemption, ArtifactResult artifact)
    {
        var glob = new Glob(exemption.ModelPattern);
        string absolute = Path.GetFullPath(artifact.Path, policy.Root);
        for (string? path = absolute; path is not null && path != Path.GetPathRoot(path); path = Path.GetDirectoryName(path))
        {
            bool inside = path != policy.Root && RepositoryRoot.Contains(policy.Root, path);
            if (glob.IsMatch(path) || (inside && glob.IsMatch(Path.GetRelativePath(policy.Root, path))))
            {
                return true;
            }
        }

        return artifact.Declared is { } declared && new Glob(exemption.ModelPattern, ignoreCase: true).IsMatch(declared.Name.Value);
    }

    private Finding Exempt(ArtifactResult artifact, Finding finding, HashSet<PolicyExemption> used)
    {
        if (RuleIds.IsFixed(finding.RuleId))
        {
            return finding;
        }

        PolicyExemption? exemption = policy.Exemptions.FirstOrDefault(e => !e.HasExpired(today) && e.RuleId == finding.RuleId && Matches(e, artifact));
        if (exemption is null)
        {
            return finding;
        }

        used.Add(exemption);
        return finding with { Exemption = new AppliedExemption(exemption.Reason, exemption.Expires, exemption.Position) };
    }
}
