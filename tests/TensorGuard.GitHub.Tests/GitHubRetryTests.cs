using System.Globalization;
using System.Net;
using TensorGuard.GitHub.Api;
using TensorGuard.Testing;

namespace TensorGuard.GitHub.Tests;

public sealed class GitHubRetryTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly RecordingClock clock = new(Now);

    /// <summary>Answers each request with the next response of a script, and counts requests.</summary>
    private sealed class ScriptedHandler(params Func<HttpResponseMessage>[] script) : HttpMessageHandler
    {
        public int Calls { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(script[Math.Min(Calls++, script.Length - 1)]());
    }

    private Task<(HttpStatusCode Status, int Calls)> SendAsync(params Func<HttpResponseMessage>[] script) => SendAsync(RetryPolicy.Default, script);

    private async Task<(HttpStatusCode Status, int Calls)> SendAsync(RetryPolicy policy, params Func<HttpResponseMessage>[] script)
    {
        var inner = new ScriptedHandler(script);
        DelegatingHandler handler = GitHubRetry.CreateHandler(policy, clock, inner);
        using var client = new HttpClient(handler);
        using HttpResponseMessage response = await client.GetAsync(new Uri("http://127.0.0.1/x"), TestContext.Current.CancellationToken);
        return (response.StatusCode, inner.Calls);
    }

    private static Func<HttpResponseMessage> Answer(HttpStatusCode status, params (string Name, string Value)[] headers) => () =>
    {
        var response = new HttpResponseMessage(status);
        foreach ((string name, string value) in headers)
        {
            response.Headers.TryAddWithoutValidation(name, value);
        }

        return response;
    };

    [Fact]
    public async Task Send_ServerErrorThenSuccess_RetriesAfterTheBaseDelay()
    {
        var (status, calls) = await SendAsync(Answer(HttpStatusCode.BadGateway), Answer(HttpStatusCode.OK));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(2, calls);
        Assert.Equal([TimeSpan.FromSeconds(1)], clock.Delays);
    }

    [Fact]
    public async Task Send_ServerErrorEveryTime_GivesUpAfterMaxAttemptsWithGrowingWaits()
    {
        var (status, calls) = await SendAsync(Answer(HttpStatusCode.ServiceUnavailable));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal(RetryPolicy.Default.MaxAttempts, calls);
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4)], clock.Delays);
    }

    [Fact]
    public async Task Send_PlainForbidden_IsNotRetried()
    {
        var (status, calls) = await SendAsync(Answer(HttpStatusCode.Forbidden), Answer(HttpStatusCode.OK));

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal(1, calls);
        Assert.Empty(clock.Delays);
    }

    [Fact]
    public async Task Send_ForbiddenWithExhaustedRateLimit_WaitsUntilTheReset()
    {
        string reset = (Now + TimeSpan.FromSeconds(5)).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

        var (status, calls) = await SendAsync(
            Answer(HttpStatusCode.Forbidden, ("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset", reset)), Answer(HttpStatusCode.OK));

        Assert.Equal((HttpStatusCode.OK, 2), (status, calls));
        Assert.Equal([TimeSpan.FromSeconds(6)], clock.Delays);
    }

    [Fact]
    public async Task Send_TooManyRequestsWithRetryAfter_WaitsAsAsked()
    {
        var (status, calls) = await SendAsync(Answer(HttpStatusCode.TooManyRequests, ("Retry-After", "3")), Answer(HttpStatusCode.OK));

        Assert.Equal((HttpStatusCode.OK, 2), (status, calls));
        Assert.Equal([TimeSpan.FromSeconds(3)], clock.Delays);
    }

    [Fact]
    public async Task Send_RateLimitResettingInAnHour_IsNotWaitedFor()
    {
        string reset = (Now + TimeSpan.FromHours(1)).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

        var (status, calls) = await SendAsync(
            Answer(HttpStatusCode.Forbidden, ("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset", reset)), Answer(HttpStatusCode.OK));

        Assert.Equal((HttpStatusCode.Forbidden, 1), (status, calls));
        Assert.Empty(clock.Delays);
    }

    [Fact]
    public async Task Send_NetworkErrorThenSuccess_Retries()
    {
        var (status, calls) = await SendAsync(() => throw new HttpRequestException("connection reset"), Answer(HttpStatusCode.OK));

        Assert.Equal((HttpStatusCode.OK, 2), (status, calls));
    }

    [Fact]
    public async Task Send_ManyAttempts_BackoffDoublesUpToTheCap()
    {
        var (status, calls) = await SendAsync(new RetryPolicy(MaxAttempts: 8, BaseDelay: TimeSpan.FromSeconds(1), MaxDelay: TimeSpan.FromSeconds(30)), Answer(HttpStatusCode.BadGateway));

        Assert.Equal((HttpStatusCode.BadGateway, 8), (status, calls));
        Assert.Equal(new[] { 1, 2, 4, 8, 16, 30, 30 }.Select(seconds => TimeSpan.FromSeconds(seconds)), clock.Delays);
    }
}
