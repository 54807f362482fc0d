using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.Retry;

namespace TensorGuard.Core.Formats.Hub;

/// <summary>
/// Speaks the Hugging Face Hub's HTTP protocol as <c>huggingface_hub</c> does: the token goes as a Bearer token to the
/// endpoint's host and to no other (LFS files redirect to a CDN), redirects are followed by hand so that rule holds
/// and a redirect to another scheme is refused, single byte ranges only, and the Hub's <c>X-Error-Code</c> answers
/// become one clear <see cref="HubException"/>. Transient answers (408, 429, 500, 502, 503, 504) and dropped
/// connections are retried by a Polly pipeline (Microsoft.Extensions.Http.Resilience) with backoff from 1 s doubling to
/// 8 s, 5 tries in all, waiting instead as long as <c>Retry-After</c> or <c>RateLimit: …;t=N</c> asks; a body that
/// breaks off is asked for again from the byte it reached.
/// </summary>
public sealed partial class HubClient : IDisposable
{
    /// <summary>Tries per request, the first included.</summary>
    public const int MaxTries = 5;

    private const int MaxRedirects = 5;

    private static readonly TimeSpan BodyTimeout = TimeSpan.FromMinutes(10);

    // A server may ask for a long pause, but not for one longer than the Hub's own 5-minute rate-limit window.
    private static readonly TimeSpan MaxServerDelay = TimeSpan.FromMinutes(5);

    private static readonly HashSet<HttpStatusCode> Transient =
    [
        HttpStatusCode.RequestTimeout, HttpStatusCode.TooManyRequests, HttpStatusCode.InternalServerError,
        HttpStatusCode.BadGateway, HttpStatusCode.ServiceUnavailable, HttpStatusCode.GatewayTimeout,
    ];

    private readonly HttpClient _http;
    private readonly ResiliencePipeline _bodyRetry;
    private long _bytesReceived;

    public HubClient(HubOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        var retry = new HttpRetryStrategyOptions
        {
            MaxRetryAttempts = MaxTries - 1,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = false,
            Delay = TimeSpan.FromSeconds(1),
            MaxDelay = TimeSpan.FromSeconds(8),
            ShouldHandle = arguments => ValueTask.FromResult(arguments.Outcome switch
            {
                { Exception: HttpRequestException { HttpRequestError: not HttpRequestError.NameResolutionError } } => true,
                { Result: { } response } => Transient.Contains(response.StatusCode),
                _ => false,
            }),
            DelayGenerator = arguments => ValueTask.FromResult(ServerDelay(arguments.Outcome.Result, options.TimeProvider)),
        };
        // The per-try timeout keeps real time even when tests replace the clock that paces retries.
        ResiliencePipeline<HttpResponseMessage> timeout = new ResiliencePipelineBuilder<HttpResponseMessage>().AddTimeout(options.AttemptTimeout).Build();
        ResiliencePipeline<HttpResponseMessage> pipeline = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = options.TimeProvider }
            .AddRetry(retry)
            .AddPipeline(timeout)
            .Build();
        var sockets = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        _http = new HttpClient(new ResilienceHandler(pipeline) { InnerHandler = sockets }) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("tensorguard", "1"));
        _bodyRetry = new ResiliencePipelineBuilder { TimeProvider = options.TimeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = MaxTries - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = false,
                Delay = TimeSpan.FromSeconds(1),
                MaxDelay = TimeSpan.FromSeconds(8),
                ShouldHandle = new PredicateBuilder().Handle<IOException>(),
            })
            .Build();
    }

    /// <summary>Where and as whom this client connects.</summary>
    public HubOptions Options { get; }

    /// <summary>Response body bytes this client has received so far (API answers, file headers and ranges; retried bytes too).</summary>
    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    /// <summary>An API or file URL: the endpoint followed by already-escaped <paramref name="relative"/> path and query.</summary>
    internal Uri Url(string relative) => new(Options.Endpoint.AbsoluteUri.TrimEnd('/') + "/" + relative);

    /// <summary>The resolve URL of <paramref name="path"/> in a repository at <paramref name="revision"/>.</summary>
    internal Uri ResolveUrl(HubReference repository, string revision, string path) =>
        Url($"{Escape(repository.RepoId)}/resolve/{Uri.EscapeDataString(revision)}/{Escape(path)}");

    /// <summary>Escapes each '/'-separated segment.</summary>
    internal static string Escape(string path) => string.Join('/', path.Split('/').Select(Uri.EscapeDataString));

    /// <summary>A whole small response body (JSON, a model card), at most <paramref name="maxBytes"/>, with the response's Link header.</summary>
    /// <exception cref="HubException">The request failed or the body is larger than allowed.</exception>
    internal (byte[] Body, string? Link) GetSmall(string reference, Uri url, string what, int maxBytes) => Run(reference, what, async cancellation =>
    {
        using HttpResponseMessage response = await SendAsync(reference, HttpMethod.Get, url, what, range: null, cancellation).ConfigureAwait(false);
        if (response.Content.Headers.ContentLength > maxBytes)
        {
            throw new HubException(reference, HubErrorKind.BadResponse, $"{what} is {response.Content.Headers.ContentLength} bytes, more than the {maxBytes} accepted");
        }

        var buffer = new byte[maxBytes + 1];
        int length = await ReadBodyAsync(response, buffer, cancellation).ConfigureAwait(false);
        Interlocked.Add(ref _bytesReceived, length);
        if (length > maxBytes)
        {
            throw new HubException(reference, HubErrorKind.BadResponse, $"{what} is more than the {maxBytes} bytes accepted");
        }

        string? link = response.Headers.TryGetValues("Link", out IEnumerable<string>? values) ? string.Join(", ", values) : null;
        return (buffer[..length], link);
    });

    /// <summary>
    /// Fills <paramref name="destination"/> with the bytes of the file at <paramref name="location"/> from
    /// <paramref name="offset"/> on, in one byte range; a body that breaks off is asked for again from where it stopped,
    /// and bytes beyond the range are not read. Returns the URL that served the bytes (the CDN's, after a redirect).
    /// </summary>
    /// <exception cref="HubException">The request failed, the server ignored the range, or the file is shorter.</exception>
    internal Uri ReadRange(string reference, Uri location, long offset, Memory<byte> destination, string what)
    {
        int reached = 0;
        Uri served = location;
        try
        {
            _bodyRetry.Execute(() => Run(reference, what, async cancellation =>
            {
                long start = offset + reached;
                int wanted = destination.Length - reached;
                using HttpResponseMessage response = await SendAsync(reference, HttpMethod.Get, location, what, (start, wanted), cancellation).ConfigureAwait(false);
                CheckRange(reference, response, start, what);
                served = response.RequestMessage?.RequestUri ?? location;
                await using Stream body = await response.Content.ReadAsStreamAsync(cancellation).ConfigureAwait(false);
                while (reached < destination.Length)
                {
                    int read = await body.ReadAsync(destination[reached..], cancellation).ConfigureAwait(false);
                    if (read == 0)
                    {
                        throw new EndOfStreamException($"the body ended at byte {offset + reached}");
                    }

                    reached += read;
                    Interlocked.Add(ref _bytesReceived, read);
                }

                return true;
            }));
        }
        catch (IOException error)
        {
            throw new HubException(reference, HubErrorKind.Unreachable, $"{what}: the connection broke off {MaxTries} times (last at byte {offset + reached}: {UntrustedText.Printable(error.Message)}); try again later", error);
        }

        return served;
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    private static void CheckRange(string reference, HttpResponseMessage response, long start, string what)
    {
        if (response.StatusCode == HttpStatusCode.PartialContent)
        {
            if (response.Content.Headers.ContentRange is not { From: long from } || from != start)
            {
                throw new HubException(reference, HubErrorKind.BadResponse, $"{what}: the server answered a range that does not start at byte {start}");
            }

            return;
        }

        // A server that ignores Range sends the whole file: usable from the start (the rest is cut off), nowhere else.
        if (start != 0)
        {
            throw new HubException(reference, HubErrorKind.BadResponse, $"{what}: the server ignored the byte range (status {(int)response.StatusCode}); the Hub and its CDN answer ranges with 206");
        }
    }

    private static async Task<int> ReadBodyAsync(HttpResponseMessage response, Memory<byte> buffer, CancellationToken cancellation)
    {
        await using Stream body = await response.Content.ReadAsStreamAsync(cancellation).ConfigureAwait(false);
        int length = 0;
        int read;
        while (length < buffer.Length && (read = await body.ReadAsync(buffer[length..], cancellation).ConfigureAwait(false)) > 0)
        {
            length += read;
        }

        return length;
    }

    // Requests run on the calling thread's behalf: readers are synchronous (they fill spans), so the call blocks.
    private T Run<T>(string reference, string what, Func<CancellationToken, Task<T>> request)
    {
        try
        {
            // Bounds a body that stops arriving; headers are bounded per try by the pipeline's timeout.
            using var stalled = new CancellationTokenSource(BodyTimeout);
            return request(stalled.Token).GetAwaiter().GetResult();
        }
        catch (HttpRequestException error)
        {
            throw new HubException(reference, HubErrorKind.Unreachable, $"cannot reach {Options.Endpoint.Host} for {what} ({Describe(error)}); check the network, or set HF_ENDPOINT to a reachable mirror", error);
        }
        catch (Exception error) when (error is OperationCanceledException or Polly.Timeout.TimeoutRejectedException)
        {
            throw new HubException(reference, HubErrorKind.Unreachable, $"{Options.Endpoint.Host} did not answer {what} within {Options.AttemptTimeout.TotalSeconds:0} s; try again later", error);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(string reference, HttpMethod method, Uri url, string what, (long Offset, int Count)? range, CancellationToken cancellation)
    {
        Uri current = url;
        for (int redirects = 0; ; redirects++)
        {
            using var request = new HttpRequestMessage(method, current);
            if (range is { } bytes)
            {
                request.Headers.Range = new RangeHeaderValue(bytes.Offset, bytes.Offset + bytes.Count - 1);
            }

            if (Options.Token is { Length: > 0 } token && SameOrigin(current, Options.Endpoint))
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellation).ConfigureAwait(false);
            if (IsRedirect(response.StatusCode) && response.Headers.Location is { } location)
            {
                response.Dispose();
                Uri next = location.IsAbsoluteUri ? location : new Uri(current, location);
                if (!string.Equals(next.Scheme, current.Scheme, StringComparison.OrdinalIgnoreCase))
                {
                    throw new HubException(reference, HubErrorKind.BadResponse, $"{what}: refused a redirect from {current.Scheme} to {UntrustedText.Printable(next.Scheme)}");
                }

                if (redirects == MaxRedirects)
                {
                    throw new HubException(reference, HubErrorKind.BadResponse, $"{what}: more than {MaxRedirects} redirects");
                }

                current = next;
                continue;
            }

            if (response.IsSuccessStatusCode)
            {
                return response;
            }

            using (response)
            {
                throw Failure(reference, response, what);
            }
        }
    }

    private HubException Failure(string reference, HttpResponseMessage response, string what)
    {
        string? code = response.Headers.TryGetValues("X-Error-Code", out IEnumerable<string>? codes) ? codes.FirstOrDefault() : null;
        int status = (int)response.StatusCode;
        var repository = HubReference.Parse(reference);
        string page = $"{Options.Endpoint.AbsoluteUri.TrimEnd('/')}/{repository.RepoId}";
        string tokenState = Options.Token is { Length: > 0 } ? "the token given has no access to it" : "no token was given";
        return code switch
        {
            "GatedRepo" => new HubException(reference, HubErrorKind.Gated, $"{repository.RepoId} is a gated repository and {tokenState}; request access on {page} and set HF_TOKEN to a token of an account that was granted it"),
            "RepoNotFound" => new HubException(reference, HubErrorKind.RepoNotFound, $"repository {repository.RepoId} does not exist on {Options.Endpoint.Host}, or it is private and {tokenState}; check the name, or set HF_TOKEN"),
            "RevisionNotFound" => new HubException(reference, HubErrorKind.RevisionNotFound, $"revision \"{UntrustedText.Printable(repository.Revision)}\" does not exist in {repository.RepoId}; check the branch, tag or commit"),
            "EntryNotFound" => new HubException(reference, HubErrorKind.EntryNotFound, $"{what}: no such file in {repository.RepoId} at that revision; check the path"),
            _ when status is 401 or 403 => new HubException(reference, HubErrorKind.Gated, $"{what}: the Hub refused access ({status}) and {tokenState}; set HF_TOKEN to a token with read access to {repository.RepoId}"),
            _ when Transient.Contains(response.StatusCode) => new HubException(reference, HubErrorKind.BadResponse, $"{what}: the Hub answered {status} {UntrustedText.Printable(response.ReasonPhrase ?? string.Empty)} {MaxTries} times; try again later"),
            _ => new HubException(reference, HubErrorKind.BadResponse, $"{what}: the Hub answered {status} {UntrustedText.Printable(response.ReasonPhrase ?? string.Empty)}"),
        };
    }

    /// <summary>The wait a 429 or 503 asks for (<c>Retry-After</c>, or the <c>RateLimit</c> header's reset time), or null for the backoff.</summary>
    private static TimeSpan? ServerDelay(HttpResponseMessage? response, TimeProvider clock)
    {
        if (response is null)
        {
            return null;
        }

        TimeSpan? asked = response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - clock.GetUtcNow(),
            _ => null,
        };
        if (asked is null && response.StatusCode == HttpStatusCode.TooManyRequests
            && response.Headers.TryGetValues("RateLimit", out IEnumerable<string>? limits)
            && RateLimitReset().Match(string.Join(",", limits)) is { Success: true } match
            && int.TryParse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out int seconds))
        {
            asked = TimeSpan.FromSeconds(seconds);
        }

        return asked is { } wait ? TimeSpan.FromTicks(Math.Clamp(wait.Ticks, 0, MaxServerDelay.Ticks)) : null;
    }

    private static bool IsRedirect(HttpStatusCode status) => status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found
        or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    private static bool SameOrigin(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase) && string.Equals(a.Host, b.Host, StringComparison.OrdinalIgnoreCase) && a.Port == b.Port;

    private static string Describe(HttpRequestException error) =>
        UntrustedText.Printable(error.HttpRequestError == HttpRequestError.Unknown ? error.Message : error.HttpRequestError.ToString());

    [GeneratedRegex(@"[;\s]t\s*=\s*(\d{1,6})", RegexOptions.CultureInvariant)]
    private static partial Regex RateLimitReset();
}
