using System.Globalization;
using System.Net;

namespace TensorGuard.GitHub.Api;

/// <summary>
/// Retries GitHub API requests that failed for reasons that pass: server errors (5xx), network errors, and
/// rate limits (429, or 403 with <c>Retry-After</c> or an exhausted <c>X-RateLimit-Remaining</c>). A plain 403
/// is a permission answer and is returned at once.
/// </summary>
public sealed class RetryingHandler : DelegatingHandler
{
    private readonly RetryPolicy policy;
    private readonly Func<TimeSpan, CancellationToken, Task> delay;
    private readonly TimeProvider clock;

    /// <param name="delay">Waits between attempts; tests pass one that records instead of sleeping.</param>
    public RetryingHandler(RetryPolicy policy, Func<TimeSpan, CancellationToken, Task> delay, TimeProvider clock, HttpMessageHandler inner)
        : base(inner)
    {
        this.policy = policy;
        this.delay = delay;
        this.clock = clock;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            HttpResponseMessage response;
            try
            {
                response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException) when (attempt < policy.MaxAttempts)
            {
                await delay(policy.Backoff(attempt), cancellationToken).ConfigureAwait(false);
                continue;
            }

            TimeSpan? wait = attempt < policy.MaxAttempts ? RetryDelay(response, attempt) : null;
            if (wait is not { } pause)
            {
                return response;
            }

            response.Dispose();
            await delay(pause, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>How long to wait before retrying this response, or null when it should not be retried.</summary>
    private TimeSpan? RetryDelay(HttpResponseMessage response, int attempt)
    {
        int status = (int)response.StatusCode;
        TimeSpan? asked = RetryAfter(response) ?? RateLimitReset(response);
        bool retryable = status >= 500
            || response.StatusCode == HttpStatusCode.TooManyRequests
            || (response.StatusCode == HttpStatusCode.Forbidden && asked is not null);
        if (!retryable)
        {
            return null;
        }

        TimeSpan wait = asked ?? policy.Backoff(attempt);
        return wait <= policy.MaxDelay ? wait : null;
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response)
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

    private TimeSpan? RateLimitReset(HttpResponseMessage response)
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
