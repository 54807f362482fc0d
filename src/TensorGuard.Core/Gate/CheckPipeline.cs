using TensorGuard.Core.Compliance;
using TensorGuard.Core.Policy;

namespace TensorGuard.Core.Gate;

/// <summary>What a check is asked to do: by the CLI's <c>check</c>, the action, the demo, or a library caller.</summary>
/// <param name="Policy">The loaded policy (see <see cref="PolicyLoader.Load(string, string?)"/>).</param>
/// <param name="Models">Model paths or globs; empty checks the policy's <c>models:</c> list.</param>
/// <param name="BaseDirectory">The directory <paramref name="Models"/> are relative to.</param>
/// <param name="Overrides">Declarations that win over the model card's (name, license, base models).</param>
/// <param name="FailOn">Overrides the policy's <c>fail-on</c>.</param>
/// <param name="CacheDirectory">The fingerprint cache; null reads and writes none.</param>
/// <param name="BaseWeights">The base model PEFT adapters are merged into (wins over the policy entry's <c>base-weights</c>).</param>
/// <param name="Today">The date exceptions expire against; null is today in UTC.</param>
/// <param name="Hub">Reads <c>hf://</c> artifacts and verifies declared bases from the Hub (unless the policy says <c>hub: off</c>); null keeps the check offline.</param>
/// <param name="HashFiles">Record every weights file's SHA-256 in the result (for a bill of materials) even without a cache.</param>
/// <param name="ChangedSince">A git revision (the pull request's base): each artifact is marked added, modified or unchanged since it.</param>
/// <param name="OnlyChanged">With <paramref name="ChangedSince"/>, skip the artifacts that are unchanged (the run says how many).</param>
public sealed record CheckRequest(
    PolicyDocument Policy,
    IReadOnlyList<string> Models,
    string BaseDirectory,
    IdentityOverrides Overrides,
    FailOn? FailOn = null,
    string? CacheDirectory = null,
    string? BaseWeights = null,
    DateOnly? Today = null,
    Formats.Hub.HubClient? Hub = null,
    bool HashFiles = false,
    string? ChangedSince = null,
    bool OnlyChanged = false);

/// <summary>
/// The compliance gate as a library: one call from a policy and artifact references to the <see cref="CheckResult"/>
/// every report is rendered from. The CLI's <c>check</c>, <c>action</c> and <c>demo</c> all run through here, so they
/// cannot drift apart.
/// </summary>
public static class CheckPipeline
{
    /// <summary>Selects the artifacts, analyses each and evaluates the policy.</summary>
    /// <exception cref="NothingToCheckException">Neither the request nor the policy names a model.</exception>
    /// <exception cref="PolicyException">A base's fingerprint named by the policy is missing or invalid.</exception>
    /// <exception cref="InvalidInputException">A <see cref="CheckRequest.ChangedSince"/> revision cannot be compared with.</exception>
    public static CheckResult Run(CheckRequest request)
    {
        PolicyDocument policy = request.Policy;
        IReadOnlyList<ArtifactPattern> patterns = request.Models.Count > 0
            ? request.Models.Select(pattern => new ArtifactPattern(pattern, request.BaseDirectory, null, Optional: false)).ToArray()
            : policy.Models.Select(entry => new ArtifactPattern(entry.Pattern, policy.Root, entry, entry.Optional)).ToArray();
        if (patterns.Count == 0)
        {
            throw new NothingToCheckException($"nothing to check: pass model paths or globs, or list models: in {policy.Path}.");
        }

        FingerprintCache? cache = request.CacheDirectory is { } directory ? new FingerprintCache(directory) : null;
        DateOnly today = request.Today ?? DateOnly.FromDateTime(DateTime.UtcNow);
        var analyzer = new LineageAnalyzer(policy, cache);
        Formats.Hub.HubClient? hub = policy.Hub ? request.Hub : null;
        HubBaseVerifier? verifier = hub is null ? null : new HubBaseVerifier(hub, policy, analyzer.SketchedBases, cache);

        // The cache remembers content hashes (it keys on them), so with a cache the hashes cost nothing extra.
        Func<string, string>? hashFile = cache is not null ? cache.ContentHash : request.HashFiles ? FingerprintCache.HashFile : null;
        GitChanges? changes = request.ChangedSince is { } baseRef ? GitChanges.Since(baseRef, request.BaseDirectory) : null;
        var run = new CheckRun(policy, analyzer, today, request.BaseWeights, hashFile)
        {
            Hub = hub,
            BaseVerifier = verifier,
            Changes = changes,
            OnlyChanged = request.OnlyChanged,
        };
        return run.Check(patterns, request.Overrides, request.FailOn ?? policy.FailOn);
    }
}

/// <summary>A check was asked for without any model to check: a usage error, not invalid input.</summary>
public sealed class NothingToCheckException(string message) : Exception(message);
