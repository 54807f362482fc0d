using TensorGuard.Core.Compliance;
using TensorGuard.Core.Policy;

namespace TensorGuard.Cli;

/// <summary>What a check is asked to do, from the command line (<c>check</c>) or from the action's inputs (<c>action</c>).</summary>
/// <param name="Models">Model paths or globs; empty checks the policy's <c>models:</c> list.</param>
/// <param name="BaseDirectory">The directory <paramref name="Models"/> are relative to.</param>
/// <param name="Policy">The policy file; null looks for the repository's, else the bundled one.</param>
/// <param name="FailOn">Overrides the policy's <c>fail-on</c>.</param>
/// <param name="CacheDirectory">The fingerprint cache; null reads and writes none.</param>
/// <param name="BaseWeights">The base model PEFT adapters are merged into (wins over the policy entry's <c>base-weights</c>).</param>
internal sealed record CheckRequest(
    IReadOnlyList<string> Models,
    string BaseDirectory,
    string? Policy,
    IdentityOverrides Overrides,
    FailOn? FailOn,
    string? CacheDirectory,
    string? BaseWeights = null);

/// <summary>The check both <c>check</c> and <c>action</c> run, so the two cannot drift apart.</summary>
internal static class CheckPipeline
{
    public static CheckResult Run(CheckRequest request)
    {
        string policyPath = PolicyLocator.Resolve(request.Policy);
        PolicyDocument policy = PolicyLoader.Load(policyPath);
        IReadOnlyList<ArtifactPattern> patterns = request.Models.Count > 0
            ? request.Models.Select(pattern => new ArtifactPattern(pattern, request.BaseDirectory, null, Optional: false)).ToArray()
            : policy.Models.Select(entry => new ArtifactPattern(entry.Pattern, policy.Root, entry, entry.Optional)).ToArray();
        if (patterns.Count == 0)
        {
            throw new UsageException($"nothing to check: pass model paths or globs, or list models: in {policyPath}.");
        }

        FingerprintCache? cache = request.CacheDirectory is { } directory ? new FingerprintCache(directory) : null;
        var run = new CheckRun(policy, new LineageAnalyzer(policy, cache), DateOnly.FromDateTime(DateTime.UtcNow), request.BaseWeights);
        return run.Check(patterns, request.Overrides, request.FailOn ?? policy.FailOn);
    }

    /// <summary>0 pass, 2 violations at or above fail-on, 3 something could not be analysed.</summary>
    public static ExitCode ExitCodeOf(Verdict verdict) => verdict switch
    {
        Verdict.Pass => ExitCode.Success,
        Verdict.Fail => ExitCode.PolicyViolation,
        _ => ExitCode.InvalidInput,
    };
}
