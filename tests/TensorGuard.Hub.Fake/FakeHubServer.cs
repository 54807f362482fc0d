using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using TensorGuard.Testing;

namespace TensorGuard.Hub.Fake;

/// <summary>Which of the stand-in's two hosts answered.</summary>
public enum FakeHost
{
    Hub,
    Cdn,
}

/// <summary>A request the stand-in received, with the bytes of body it sent back.</summary>
public sealed record HubRequest(FakeHost Host, string Method, string Path, string? Range, string? Authorization, int Status, long BytesSent);

/// <summary>A file's contents as the stand-in serves them: its length, a way to read it (seekable), and optionally its SHA-256 (computed when left out).</summary>
public sealed record HubContent(long Length, Func<Stream> Open, string? Sha256 = null);

/// <summary>What the stand-in does to the next request that matches <see cref="Applies"/> instead of answering it normally.</summary>
/// <param name="Status">Status to answer (0: answer normally, then apply the body faults).</param>
/// <param name="Headers">Headers to send with it (e.g. Retry-After, RateLimit, X-Error-Code, Location).</param>
/// <param name="DropAfterBytes">Abort the connection after sending this many body bytes.</param>
/// <param name="ExtraBytes">Send this many bytes more than the range asked for.</param>
/// <param name="ExpireLinks">After answering, let every CDN link handed out so far expire (see <see cref="FakeHubServer.ExpireLinks"/>).</param>
/// <remarks>With <paramref name="Status"/> 0, <paramref name="Headers"/> replace those of the normal answer.</remarks>
public sealed record HubFault(Func<HubRequest, bool> Applies, int Status = 0, IReadOnlyDictionary<string, string>? Headers = null, long? DropAfterBytes = null, int ExtraBytes = 0, bool ExpireLinks = false);

/// <summary>
/// An in-memory Hugging Face Hub speaking the parts of its protocol TensorGuard uses: the revision API (branch → commit),
/// the paginated tree API with <c>Link</c> headers and LFS SHA-256s, the resolve endpoint with <c>X-Repo-Commit</c>,
/// <c>X-Linked-Etag</c>, <c>X-Linked-Size</c> and a 302 to a second "CDN" host for LFS files, single byte ranges (a
/// multi-range request gets the whole file, as CDNs do), gated repositories that want a Bearer token, the Hub's
/// <c>X-Error-Code</c> errors, and injected faults (429/503 with their headers, dropped and overlong bodies). It counts
/// requests and the body bytes it sends, which is what the read-budget tests and the bench measure.
/// </summary>
public sealed class FakeHubServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, FakeRepository> _repositories = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, FakeFile> _blobs = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<HubRequest> _requests = new();
    private readonly List<HubFault> _faults = [];
    private readonly Lock _lock = new();
    private int _hubPort;
    private int _linkGeneration;

    private FakeHubServer(WebApplication app) => _app = app;

    /// <summary>The Hub's root URL (set it as HF_ENDPOINT).</summary>
    public Uri Endpoint { get; private set; } = null!;

    /// <summary>The CDN host's root URL.</summary>
    public Uri Cdn { get; private set; } = null!;

    /// <summary>Tree entries per page (the Hub uses 1,000).</summary>
    public int PageSize { get; set; } = 1000;

    /// <summary>Whether the tree API leaves out the <c>lfs</c> object (SHA-256) of LFS files, so clients must take it from <c>X-Linked-Etag</c>.</summary>
    public bool TreeOmitsLfs { get; set; }

    /// <summary>Every request so far, in arrival order.</summary>
    public IReadOnlyList<HubRequest> Requests => _requests.ToArray();

    /// <summary>Body bytes sent so far.</summary>
    public long BytesSent => _requests.Sum(r => r.BytesSent);

    public static async Task<FakeHubServer> StartAsync()
    {
        FakeHubServer? server = null;
        (WebApplication app, Uri[] addresses) = await LoopbackHost.StartAsync(context => server!.HandleAsync(context), ports: 2).ConfigureAwait(false);
        server = new FakeHubServer(app) { Endpoint = addresses[0], Cdn = addresses[1] };
        server._hubPort = server.Endpoint.Port;
        return server;
    }

    /// <summary>
    /// Publishes every file under <paramref name="directory"/> as repository <paramref name="repoId"/> at a new commit of
    /// <paramref name="branch"/>; weights (.safetensors, .gguf, .bin, .pt, .pth, .onnx, .onnx_data) are LFS files served by the CDN. Returns the commit.
    /// </summary>
    public string AddRepository(string repoId, string directory, string branch = "main", string? requiredToken = null)
    {
        var files = new SortedDictionary<string, FakeFile>(StringComparer.Ordinal);
        foreach (string file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
        {
            string path = Path.GetRelativePath(directory, file).Replace(Path.DirectorySeparatorChar, '/');
            files[path] = AddFile(file, IsLfs(path));
        }

        return AddCommit(repoId, branch, files, requiredToken);
    }

    /// <summary>Publishes in-memory files (path → bytes) as a new commit.</summary>
    public string AddRepository(string repoId, IReadOnlyDictionary<string, byte[]> contents, string branch = "main", string? requiredToken = null)
    {
        var files = new SortedDictionary<string, FakeFile>(StringComparer.Ordinal);
        foreach ((string path, byte[] bytes) in contents)
        {
            files[path] = AddFile(bytes, IsLfs(path));
        }

        return AddCommit(repoId, branch, files, requiredToken);
    }

    /// <summary>Publishes files given as streams (e.g. generated on the fly, for models larger than the disk) as a new commit.</summary>
    public string AddRepository(string repoId, IReadOnlyDictionary<string, HubContent> contents, string branch = "main", string? requiredToken = null)
    {
        var files = new SortedDictionary<string, FakeFile>(StringComparer.Ordinal);
        foreach ((string path, HubContent content) in contents)
        {
            string sha;
            if (content.Sha256 is { } given)
            {
                sha = given;
            }
            else
            {
                using Stream stream = content.Open();
                sha = Convert.ToHexStringLower(SHA256.HashData(stream));
            }

            var file = new FakeFile(content.Open, content.Length, sha, IsLfs(path));
            _blobs[sha] = file;
            files[path] = file;
        }

        return AddCommit(repoId, branch, files, requiredToken);
    }

    /// <summary>Makes the next request matching <paramref name="fault"/> fail as it says (faults apply in the order added, once each).</summary>
    public void Inject(HubFault fault)
    {
        lock (_lock)
        {
            _faults.Add(fault);
        }
    }

    /// <summary>
    /// Lets every CDN link handed out so far expire, as presigned URLs do: the CDN answers them 403 with S3's
    /// "Request has expired"; the resolve URL hands out fresh ones.
    /// </summary>
    public void ExpireLinks() => Interlocked.Increment(ref _linkGeneration);

    /// <summary>Forgets the requests recorded so far.</summary>
    public void ResetCounts() => _requests.Clear();

    public async ValueTask DisposeAsync() => await _app.DisposeAsync().ConfigureAwait(false);

    // The patterns of the Hub's default .gitattributes that name weights files.
    private static readonly string[] LfsExtensions = [".safetensors", ".gguf", ".bin", ".pt", ".pth", ".onnx", ".onnx_data"];

    private static bool IsLfs(string path) => LfsExtensions.Any(extension => path.EndsWith(extension, StringComparison.Ordinal));

    private FakeFile AddFile(string diskPath, bool lfs)
    {
        string sha;
        using (FileStream stream = File.OpenRead(diskPath))
        {
            sha = Convert.ToHexStringLower(SHA256.HashData(stream));
        }

        var file = new FakeFile(() => File.OpenRead(diskPath), new FileInfo(diskPath).Length, sha, lfs);
        _blobs[sha] = file;
        return file;
    }

    private FakeFile AddFile(byte[] bytes, bool lfs)
    {
        var file = new FakeFile(() => new MemoryStream(bytes, writable: false), bytes.Length, Convert.ToHexStringLower(SHA256.HashData(bytes)), lfs);
        _blobs[file.Sha256] = file;
        return file;
    }

    private string AddCommit(string repoId, string branch, SortedDictionary<string, FakeFile> files, string? requiredToken)
    {
        string commit = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(repoId + branch + string.Join(",", files.Select(f => f.Key + f.Value.Sha256)) + Guid.NewGuid())));
        FakeRepository repository = _repositories.GetOrAdd(repoId, _ => new FakeRepository(requiredToken));
        lock (_lock)
        {
            repository.Commits[commit] = files;
            repository.Branches[branch] = commit;
        }

        return commit;
    }

    private async Task HandleAsync(HttpContext context)
    {
        FakeHost host = context.Connection.LocalPort == _hubPort ? FakeHost.Hub : FakeHost.Cdn;
        var request = new HubRequest(host, context.Request.Method, context.Request.Path.Value ?? "/", context.Request.Headers.Range.FirstOrDefault(),
            context.Request.Headers.Authorization.FirstOrDefault(), 0, 0);
        HubFault? fault = TakeFault(request);
        long sent = 0;
        try
        {
            if (fault is { Status: > 0 })
            {
                context.Response.StatusCode = fault.Status;
                foreach ((string name, string value) in fault.Headers ?? new Dictionary<string, string>())
                {
                    context.Response.Headers[name] = value;
                }

                return;
            }

            sent = host == FakeHost.Hub ? await HubAsync(context, fault).ConfigureAwait(false) : await CdnAsync(context, fault).ConfigureAwait(false);
        }
        finally
        {
            if (fault?.ExpireLinks == true)
            {
                ExpireLinks();
            }

            _requests.Enqueue(request with { Status = context.Response.StatusCode, BytesSent = sent });
        }
    }

    private HubFault? TakeFault(HubRequest request)
    {
        lock (_lock)
        {
            HubFault? fault = _faults.FirstOrDefault(f => f.Applies(request));
            if (fault is not null)
            {
                _faults.Remove(fault);
            }

            return fault;
        }
    }

    private async Task<long> HubAsync(HttpContext context, HubFault? fault)
    {
        string[] parts = (context.Request.Path.Value ?? "/").Trim('/').Split('/');
        if (parts is ["_stats"])
        {
            // Counts for a client in another process (bench/): requests and body bytes since the last reset.
            HubRequest[] counted = _requests.ToArray();
            if (HttpMethods.IsPost(context.Request.Method))
            {
                ResetCounts();
            }

            return await JsonAsync(context, new Dictionary<string, long> { ["requests"] = counted.Length, ["bytes"] = counted.Sum(r => r.BytesSent) }).ConfigureAwait(false);
        }

        if (parts is ["api", "models", var org, var name, "revision", var revision])
        {
            return await WithRepository(context, $"{org}/{name}", revision, (repository, commit, _) =>
                JsonAsync(context, new Dictionary<string, object> { ["id"] = $"{org}/{name}", ["sha"] = commit })).ConfigureAwait(false);
        }

        if (parts is ["api", "models", var treeOrg, var treeName, "tree", var treeRevision, ..])
        {
            return await WithRepository(context, $"{treeOrg}/{treeName}", treeRevision, (repository, commit, files) => TreeAsync(context, files)).ConfigureAwait(false);
        }

        if (parts.Length >= 5 && parts[2] == "resolve")
        {
            string path = string.Join('/', parts[4..].Select(Uri.UnescapeDataString));
            return await WithRepository(context, $"{parts[0]}/{parts[1]}", Uri.UnescapeDataString(parts[3]), async (repository, commit, files) =>
            {
                if (!files.TryGetValue(path, out FakeFile? file))
                {
                    return Error(context, 404, "EntryNotFound");
                }

                context.Response.Headers["X-Repo-Commit"] = commit;
                context.Response.Headers["X-Linked-Size"] = file.Length.ToString(CultureInfo.InvariantCulture);
                context.Response.Headers["X-Linked-Etag"] = $"\"{file.Sha256}\"";
                if (file.Lfs)
                {
                    context.Response.StatusCode = 302;
                    context.Response.Headers.Location = new Uri(Cdn, $"lfs/{file.Sha256}?expires=3600&generation={Volatile.Read(ref _linkGeneration)}").AbsoluteUri;
                    Override(context, fault);
                    return 0;
                }

                return await SendAsync(context, file, fault).ConfigureAwait(false);
            }).ConfigureAwait(false);
        }

        context.Response.StatusCode = 404;
        return 0;
    }

    private async Task<long> CdnAsync(HttpContext context, HubFault? fault)
    {
        string[] parts = (context.Request.Path.Value ?? "/").Trim('/').Split('/');
        if (parts is ["lfs", var sha] && _blobs.TryGetValue(sha, out FakeFile? file))
        {
            if (int.TryParse(context.Request.Query["generation"], NumberStyles.None, CultureInfo.InvariantCulture, out int generation) && generation < Volatile.Read(ref _linkGeneration))
            {
                byte[] body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>"u8.ToArray();
                context.Response.StatusCode = 403;
                context.Response.ContentType = "application/xml";
                await context.Response.Body.WriteAsync(body).ConfigureAwait(false);
                return body.Length;
            }

            return await SendAsync(context, file, fault).ConfigureAwait(false);
        }

        context.Response.StatusCode = 404;
        return 0;
    }

    private async Task<long> WithRepository(HttpContext context, string repoId, string revision, Func<FakeRepository, string, IReadOnlyDictionary<string, FakeFile>, Task<long>> answer)
    {
        if (!_repositories.TryGetValue(repoId, out FakeRepository? repository))
        {
            return Error(context, 401, "RepoNotFound");
        }

        if (repository.RequiredToken is { } token && context.Request.Headers.Authorization.FirstOrDefault() != $"Bearer {token}")
        {
            return Error(context, context.Request.Headers.Authorization.Count == 0 ? 401 : 403, "GatedRepo");
        }

        SortedDictionary<string, FakeFile>? files;
        string? commit;
        lock (_lock)
        {
            commit = repository.Branches.GetValueOrDefault(revision) ?? (repository.Commits.ContainsKey(revision) ? revision : null);
            files = commit is null ? null : repository.Commits[commit];
        }

        if (commit is null || files is null)
        {
            return Error(context, 404, "RevisionNotFound");
        }

        return await answer(repository, commit, files).ConfigureAwait(false);
    }

    private async Task<long> TreeAsync(HttpContext context, IReadOnlyDictionary<string, FakeFile> files)
    {
        int start = int.TryParse(context.Request.Query["cursor"], NumberStyles.None, CultureInfo.InvariantCulture, out int cursor) ? cursor : 0;
        var entries = new List<object>();
        foreach (string folder in files.Keys.Where(p => p.Contains('/', StringComparison.Ordinal)).Select(p => p[..p.LastIndexOf('/')]).Distinct())
        {
            entries.Add(new Dictionary<string, object> { ["type"] = "directory", ["path"] = folder, ["oid"] = new string('0', 40), ["size"] = 0 });
        }

        foreach ((string path, FakeFile file) in files)
        {
            var entry = new Dictionary<string, object> { ["type"] = "file", ["path"] = path, ["size"] = file.Length, ["oid"] = file.Sha256[..40] };
            if (file.Lfs && !TreeOmitsLfs)
            {
                entry["lfs"] = new Dictionary<string, object> { ["oid"] = file.Sha256, ["size"] = file.Length, ["pointerSize"] = 134 };
            }

            entries.Add(entry);
        }

        List<object> page = entries.Skip(start).Take(PageSize).ToList();
        if (start + PageSize < entries.Count)
        {
            var next = new UriBuilder(new Uri(Endpoint, context.Request.Path.Value)) { Query = $"recursive=true&cursor={start + PageSize}" };
            context.Response.Headers["Link"] = $"<{next.Uri.AbsoluteUri}>; rel=\"next\"";
        }

        return await JsonAsync(context, page).ConfigureAwait(false);
    }

    private static async Task<long> JsonAsync(HttpContext context, object value)
    {
        byte[] body = JsonSerializer.SerializeToUtf8Bytes(value);
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body).ConfigureAwait(false);
        return body.Length;
    }

    private static long Error(HttpContext context, int status, string code)
    {
        context.Response.StatusCode = status;
        context.Response.Headers["X-Error-Code"] = code;
        context.Response.Headers["X-Error-Message"] = code;
        return 0;
    }

    // One range "bytes=a-b" gets 206; several ranges get the whole file with 200, as CDNs answer them.
    private static async Task<long> SendAsync(HttpContext context, FakeFile file, HubFault? fault)
    {
        long start = 0;
        long end = file.Length - 1;
        string? range = context.Request.Headers.Range.FirstOrDefault();
        context.Response.Headers.AcceptRanges = "bytes";
        if (range is not null && range.StartsWith("bytes=", StringComparison.Ordinal) && !range.Contains(',', StringComparison.Ordinal))
        {
            string[] bounds = range["bytes=".Length..].Split('-');
            start = long.Parse(bounds[0], CultureInfo.InvariantCulture);
            end = bounds[1].Length == 0 ? file.Length - 1 : Math.Min(file.Length - 1, long.Parse(bounds[1], CultureInfo.InvariantCulture));
            if (start >= file.Length)
            {
                context.Response.StatusCode = 416;
                return 0;
            }

            context.Response.StatusCode = 206;
            context.Response.Headers.ContentRange = $"bytes {start}-{end}/{file.Length}";
        }

        long count = end - start + 1 + (fault?.ExtraBytes ?? 0);
        count = Math.Min(count, file.Length - start);
        long declared = fault?.ExtraBytes > 0 ? end - start + 1 : count;
        if (fault?.ExtraBytes is not > 0)
        {
            context.Response.ContentLength = declared;
        }

        Override(context, fault);

        if (HttpMethods.IsHead(context.Request.Method))
        {
            return 0;
        }

        long limit = fault?.DropAfterBytes ?? long.MaxValue;
        long sent = 0;
        byte[] buffer = new byte[Math.Min(1 << 20, Math.Max(1, count))];
        await using Stream source = file.Open();
        source.Seek(start, SeekOrigin.Begin);
        while (sent < count)
        {
            int chunk = (int)Math.Min(buffer.Length, Math.Min(count - sent, limit - sent));
            if (chunk <= 0)
            {
                // Let the client take the bytes sent before the connection is reset under it.
                await context.Response.Body.FlushAsync().ConfigureAwait(false);
                await Task.Delay(200).ConfigureAwait(false);
                context.Abort();
                return sent;
            }

            int read = await source.ReadAsync(buffer.AsMemory(0, chunk)).ConfigureAwait(false);
            await context.Response.Body.WriteAsync(buffer.AsMemory(0, read)).ConfigureAwait(false);
            sent += read;
        }

        return sent;
    }

    private static void Override(HttpContext context, HubFault? fault)
    {
        foreach ((string name, string value) in fault?.Headers ?? new Dictionary<string, string>())
        {
            context.Response.Headers[name] = value;
        }
    }

    private sealed record FakeFile(Func<Stream> Open, long Length, string Sha256, bool Lfs);

    private sealed class FakeRepository(string? requiredToken)
    {
        public string? RequiredToken { get; } = requiredToken;

        public Dictionary<string, string> Branches { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, SortedDictionary<string, FakeFile>> Commits { get; } = new(StringComparer.Ordinal);
    }
}
