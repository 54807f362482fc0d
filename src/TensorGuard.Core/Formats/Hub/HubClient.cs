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
/// breaks off is asked for again from the byte it reached, and a CDN link that expired is resolved afresh. The size and
/// SHA-256 the Hub declares on the redirect (<c>X-Linked-Size</c>, <c>X-Linked-Etag</c>) are read as huggingface_hub
/// reads them, and every answer must describe a file of the size the Hub lists.
/// </summary>
public sealed partial class HubClient : IDisposable
{
    /// <summary>Tries per request, the first included.</summary>
    public const int MaxTries = 5;

    /// <summary>Fresh download links asked of the endpoint per read when the CDN refuses one (an expired presigned URL).</summary>
    public const int MaxResolves = 3;

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
        (HttpResponseMessage answer, _) = await SendAsync(reference, HttpMethod.Get, url, what, range: null, cancellation).ConfigureAwait(false);
        using HttpResponseMessage response = answer;
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
    /// and bytes beyond the range are not read. A CDN link that the CDN refuses (401, 403, 410: a presigned URL that
    /// expired) is replaced by a fresh one from <paramref name="resolveUrl"/>, at most <see cref="MaxResolves"/> times,
    /// and the read goes on from the byte it reached. The answer must describe a file of <paramref name="fileLength"/>
    /// bytes (<c>X-Linked-Size</c>, <c>Content-Range</c>, or the length of a whole-file answer).
    /// </summary>
    /// <returns>The URL that served the bytes (the CDN's, after a redirect) and what the Hub declared when it redirected.</returns>
    /// <exception cref="HubException">The request failed, the server ignored the range, or the file is not of the size listed.</exception>
    internal ServedRange ReadRange(string reference, Uri resolveUrl, Uri location, long offset, Memory<byte> destination, long fileLength, string what)
    {
        int reached = 0;
        var served = new ServedRange(location, null, null);
        for (int resolves = 0; ; resolves++)
        {
            try
            {
                _bodyRetry.Execute(() => Run(reference, what, async cancellation =>
                {
                    long start = offset + reached;
                    int wanted = destination.Length - reached;
                    (HttpResponseMessage answer, FileLink? link) = await SendAsync(reference, HttpMethod.Get, served.Location, what, (start, wanted), cancellation).ConfigureAwait(false);
                    using HttpResponseMessage response = answer;
                    CheckRange(reference, response, start, fileLength, what);
                    CheckLink(reference, link, fileLength, what);
                    served = new ServedRange(response.RequestMessage?.RequestUri ?? served.Location, link?.Sha256 ?? served.LinkedSha256, link?.Size ?? served.LinkedSize);
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
                return served;
            }
            catch (IOException error)
            {
                throw new HubException(reference, HubErrorKind.Unreachable, $"{what}: the connection broke off {MaxTries} times (last at byte {offset + reached}: {UntrustedText.Printable(error.Message)}); try again later", error);
            }
            catch (LinkRefusedException refused)
            {
                if (resolves == MaxResolves)
                {
                    throw new HubException(reference, HubErrorKind.BadResponse, $"{what}: {UntrustedText.Printable(refused.Host)} refused the download link ({refused.Status}) {MaxResolves + 1} times, each time freshly resolved by {Options.Endpoint.Host}; try again later");
                }

                // An expired presigned link: ask the endpoint for a fresh one and go on from the byte reached.
                served = served with { Location = resolveUrl };
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    private static void CheckRange(string reference, HttpResponseMessage response, long start, long fileLength, string what)
    {
        if (response.StatusCode == HttpStatusCode.PartialContent)
        {
            if (response.Content.Headers.ContentRange is not { From: long from } range || from != start)
            {
                throw new HubException(reference, HubErrorKind.BadResponse, $"{what}: the server answered a range that does not start at byte {start}");
            }

            CheckLength(reference, range.Length, fileLength, "Content-Range", what);
            return;
        }

        // A server that ignores Range sends the whole file: usable from the start (the rest is cut off), nowhere else.
        if (start != 0)
        {
            throw new HubException(reference, HubErrorKind.BadResponse, $"{what}: the server ignored the byte range (status {(int)response.StatusCode}); the Hub and its CDN answer ranges with 206");
        }

        CheckLength(reference, response.Content.Headers.ContentLength, fileLength, "Content-Length", what);
    }

    // huggingface_hub takes the size of an LFS file from X-Linked-Size and its SHA-256 from X-Linked-Etag on the redirect.
    private static void CheckLink(string reference, FileLink? link, long fileLength, string what) =>
        CheckLength(reference, link?.Size, fileLength, "X-Linked-Size", what);

    private static void CheckLength(string reference, long? served, long fileLength, string header, string what)
    {
        if (served is { } length && length != fileLength)
        {
            throw new HubException(reference, HubErrorKind.BadResponse, $"{what}: the server describes a file of {length} bytes ({header}), but the Hub lists {fileLength}; the repository changed under the commit or the answer is corrupt, try again later");
        }
    }

    // X-Linked-Etag is the SHA-256 of an LFS file (a git SHA-1 otherwise), quoted and maybe weak (W/"…").
    private static FileLink? ReadLink(HttpResponseMessage response)
    {
        string? etag = response.Headers.TryGetValues("X-Linked-Etag", out IEnumerable<string>? etags) ? etags.FirstOrDefault() : null;
        string? size = response.Headers.TryGetValues("X-Linked-Size", out IEnumerable<string>? sizes) ? sizes.FirstOrDefault() : null;
        if (etag is null && size is null)
        {
            return null;
        }

        string? normalized = etag is null ? null : (etag.StartsWith("W/", StringComparison.Ordinal) ? etag[2..] : etag).Trim('"');
        return new FileLink(
            normalized is { Length: 64 } && normalized.All(char.IsAsciiHexDigit) ? normalized.ToLowerInvariant() : null,
            long.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out long linked) ? linked : null);
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

    // Returns the answer and what the endpoint declared about the file when it redirected to the CDN.
    private async Task<(HttpResponseMessage Response, FileLink? Link)> SendAsync(string reference, HttpMethod method, Uri url, string what, (long Offset, int Count)? range, CancellationToken cancellation)
    {
        Uri current = url;
        FileLink? link = null;
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
            if (SameOrigin(current, Options.Endpoint))
            {
                link = ReadLink(response) ?? link;
            }

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
                return (response, link);
            }

            using (response)
            {
                if (!SameOrigin(current, Options.Endpoint) && response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.Gone)
                {
                    throw new LinkRefusedException(current.Host, (int)response.StatusCode);
                }

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

    /// <summary>What the endpoint declared about a file when it answered its resolve URL.</summary>
    private sealed record FileLink(string? Sha256, long? Size);

    /// <summary>A host other than the endpoint (the CDN) refused a link: a presigned URL that expired, or was revoked.</summary>
    private sealed class LinkRefusedException(string host, int status) : Exception($"{host} answered {status}")
    {
        public string Host { get; } = host;

        public int Status { get; } = status;
    }
}

/// <summary>How a byte range was served: the URL that served it, and the SHA-256 and size the Hub declared for the file (<c>X-Linked-Etag</c>, <c>X-Linked-Size</c>) when it redirected to the CDN.</summary>
internal sealed record ServedRange(Uri Location, string? LinkedSha256, long? LinkedSize);
