using System.Globalization;
using System.Net;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace TensorGuard.GitHub.Api;

/// <summary>
/// Retries GitHub API requests that failed for reasons that pass, through a Polly pipeline
/// (Microsoft.Extensions.Http.Resilience, as the Hub client does): server errors (5xx), network errors, and rate limits
/// (429, or 403 with <c>Retry-After</c> or an exhausted <c>X-RateLimit-Remaining</c>). It waits as long as
/// <c>Retry-After</c> or <c>X-RateLimit-Reset</c> asks, else backs off exponentially from <see cref="RetryPolicy.BaseDelay"/>, doubling up to <see cref="RetryPolicy.MaxDelay"/>;
/// a wait longer than <see cref="RetryPolicy.MaxDelay"/> is not waited for, and the answer is returned as it came. A
/// plain 403 is a permission answer and is returned at once.
/// </summary>
public static class GitHubRetry
{
    /// <summary>A handler that sends through <paramref name="inner"/> and retries as <paramref name="policy"/> says.</summary>
    /// <param name="policy">Attempts and waits.</param>
    /// <param name="clock">Paces the waits and dates <c>Retry-After</c>; tests pass one whose timers fire at once.</param>
    /// <param name="inner">The handler that sends the requests.</param>
    public static DelegatingHandler CreateHandler(RetryPolicy policy, TimeProvider clock, HttpMessageHandler inner)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(clock);
        var retry = new HttpRetryStrategyOptions
        {
            MaxRetryAttempts = policy.MaxAttempts - 1,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = false,
            Delay = policy.BaseDelay,
            MaxDelay = policy.MaxDelay,
            ShouldHandle = arguments => ValueTask.FromResult(arguments.Outcome switch
            {
                { Exception: HttpRequestException } => true,
                { Result: { } response } => ShouldRetry(response, policy, clock),
                _ => false,
            }),
            DelayGenerator = arguments => ValueTask.FromResult(arguments.Outcome.Result is { } response ? Asked(response, clock) : null),
        };
        ResiliencePipeline<HttpResponseMessage> pipeline = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = clock }.AddRetry(retry).Build();
        return new ResilienceHandler(pipeline) { InnerHandler = inner };
    }

    private static bool ShouldRetry(HttpResponseMessage response, RetryPolicy policy, TimeProvider clock)
    {
        TimeSpan? asked = Asked(response, clock);
        bool retryable = (int)response.StatusCode >= 500
            || response.StatusCode == HttpStatusCode.TooManyRequests
            || (response.StatusCode == HttpStatusCode.Forbidden && asked is not null);
        return retryable && (asked is null || asked <= policy.MaxDelay);
    }

    /// <summary>The wait the response asks for (<c>Retry-After</c>, or the reset of an exhausted rate limit), or null.</summary>
    private static TimeSpan? Asked(HttpResponseMessage response, TimeProvider clock) => RetryAfter(response, clock) ?? RateLimitReset(response, clock);

    private static TimeSpan? RetryAfter(HttpResponseMessage response, TimeProvider clock)
    {
        if (response.Headers.RetryAfter is not { } retryAfter)
        {
            return null;
        }

        if (retryAfter.Delta is { } delta)
        {
            return delta;
        }

        return retryAfter.Date is { } date ? Max(date - clock.GetUtcNow(), TimeSpan.Zero) : null;
    }

    private static TimeSpan? RateLimitReset(HttpResponseMessage response, TimeProvider clock)
    {
        if (Header(response, "X-RateLimit-Remaining") != "0"
            || !long.TryParse(Header(response, "X-RateLimit-Reset"), NumberStyles.None, CultureInfo.InvariantCulture, out long reset))
        {
            return null;
        }

        // The reset time has one-second resolution; a second more avoids retrying just before it.
        return Max(DateTimeOffset.FromUnixTimeSeconds(reset) - clock.GetUtcNow(), TimeSpan.Zero) + TimeSpan.FromSeconds(1);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out IEnumerable<string>? values) ? values.FirstOrDefault() : null;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
