namespace TensorGuard.GitHub.Api;

/// <summary>
/// How often and how long the API client waits and retries. Waits are bounded: a rate limit that resets
/// later than <see cref="MaxDelay"/> is not waited for, so a step never hangs on a limit that lasts an hour.
/// </summary>
/// <param name="MaxAttempts">Attempts per request, the first included.</param>
/// <param name="BaseDelay">The wait before the first retry; each further retry waits twice as long.</param>
/// <param name="MaxDelay">The longest single wait.</param>
public sealed record RetryPolicy(int MaxAttempts, TimeSpan BaseDelay, TimeSpan MaxDelay)
{
    public static readonly RetryPolicy Default = new(MaxAttempts: 4, BaseDelay: TimeSpan.FromSeconds(1), MaxDelay: TimeSpan.FromSeconds(30));
}
