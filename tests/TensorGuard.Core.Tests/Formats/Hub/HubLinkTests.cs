using System.Globalization;
using TensorGuard.Core.Formats;
using TensorGuard.Core.Formats.Hub;
using TensorGuard.Hub.Fake;
using TensorGuard.ModelFactory;
using TensorGuard.Tests.Corpus;

namespace TensorGuard.Core.Tests.Formats.Hub;

/// <summary>What the resolve endpoint declares about a file (X-Linked-Etag, X-Linked-Size) and CDN links that expire.</summary>
public sealed class HubLinkTests : IAsyncLifetime
{
    private readonly TestDirectory _scratch = new();
    private readonly InstantClock _clock = new();
    private FakeHubServer _server = null!;
    private SavedModel _saved = null!;

    private long WeightsLength => new FileInfo(_saved.WeightFiles[0]).Length;

    public async ValueTask InitializeAsync()
    {
        _server = await FakeHubServer.StartAsync();
        _saved = ModelWriter.Save(TestModels.Create(ModelFamily.Llama, seed: 3), Path.Combine(_scratch.Path, "model"));
        _server.AddRepository("org/model", _saved.Directory);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _scratch.Dispose();
    }

    [Fact]
    public void Open_FileListWithoutLfsHashes_TakesTheSha256FromXLinkedEtag()
    {
        _server.TreeOmitsLfs = true;
        using HubClient client = Client();

        using LoadedModel remote = ModelLoader.Open("hf://org/model", baseModel: null, client);

        Assert.Equal(Sha256(_saved.WeightFiles[0]), remote.Files.Single().Sha256);
        Assert.True(_server.Requests.Where(r => r.Host == FakeHost.Cdn).Sum(r => r.BytesSent) < WeightsLength, "the hash must come from the header, not from reading the file");
    }

    [Fact]
    public void Open_XLinkedSizeDisagreesWithTheFileList_IsRefused()
    {
        _server.Inject(new HubFault(r => r.Host == FakeHost.Hub && r.Path.EndsWith("/model.safetensors", StringComparison.Ordinal), Headers: new Dictionary<string, string> { ["X-Linked-Size"] = "12" }));
        using HubClient client = Client();

        var error = Assert.Throws<HubException>(() => ModelLoader.Open("hf://org/model", baseModel: null, client));

        Assert.Equal(HubErrorKind.BadResponse, error.Kind);
        Assert.Contains($"a file of 12 bytes (X-Linked-Size), but the Hub lists {WeightsLength}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_XLinkedEtagDisagreesWithTheFileList_IsRefused()
    {
        string other = new('a', 64);
        _server.Inject(new HubFault(r => r.Host == FakeHost.Hub && r.Path.EndsWith("/model.safetensors", StringComparison.Ordinal), Headers: new Dictionary<string, string> { ["X-Linked-Etag"] = $"W/\"{other}\"" }));
        using HubClient client = Client();

        var error = Assert.Throws<HubException>(() => ModelLoader.Open("hf://org/model", baseModel: null, client));

        Assert.Contains($"declares SHA-256 {other} (X-Linked-Etag)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_CdnServesAFileOfAnotherSize_IsRefused()
    {
        long head = Math.Min(RemoteFile.HeadLength, WeightsLength);
        _server.Inject(new HubFault(r => r.Host == FakeHost.Cdn, Headers: new Dictionary<string, string> { ["Content-Range"] = string.Create(CultureInfo.InvariantCulture, $"bytes 0-{head - 1}/{WeightsLength + 5}") }));
        using HubClient client = Client();

        var error = Assert.Throws<HubException>(() => ModelLoader.Open("hf://org/model", baseModel: null, client));

        Assert.Contains($"a file of {WeightsLength + 5} bytes (Content-Range)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ExpiredCdnLink_IsResolvedAfreshAndTheReadGoesOn()
    {
        using HubClient client = Client();
        using LoadedModel remote = ModelLoader.Open("hf://org/model", baseModel: null, client);
        using LoadedModel local = ModelLoader.Open(_saved.Directory);
        _server.ExpireLinks();

        foreach (TensorEntry tensor in local.Tensors)
        {
            Assert.Equal(HubModelTests.ReadAll(local, tensor), HubModelTests.ReadAll(remote, remote.Tensors.Single(t => t.Name == tensor.Name)));
        }

        Assert.Single(_server.Requests, r => r.Host == FakeHost.Cdn && r.Status == 403);
        Assert.Equal(2, _server.Requests.Count(r => r.Host == FakeHost.Hub && r.Status == 302));
    }

    [Fact]
    public void Read_LinkExpiresMidBody_ResumesFromTheByteReached()
    {
        using HubClient client = Client();
        using LoadedModel remote = ModelLoader.Open("hf://org/model", baseModel: null, client);
        using LoadedModel local = ModelLoader.Open(_saved.Directory);
        _server.Inject(new HubFault(r => r.Host == FakeHost.Cdn, DropAfterBytes: 4096, ExpireLinks: true));

        TensorEntry last = local.Tensors.MaxBy(t => t.ElementCount)!;
        Assert.Equal(HubModelTests.ReadAll(local, last), HubModelTests.ReadAll(remote, remote.Tensors.Single(t => t.Name == last.Name)));

        HubRequest[] cdn = _server.Requests.Where(r => r.Host == FakeHost.Cdn).ToArray();
        HubRequest dropped = cdn.First(r => r.BytesSent == 4096);
        HubRequest[] after = cdn.SkipWhile(r => r != dropped).Skip(1).ToArray();
        Assert.Equal(403, after[0].Status);
        Assert.Equal(RangeStart(dropped) + dropped.BytesSent, RangeStart(after.First(r => r.Status == 206)));
    }

    [Fact]
    public void Read_CdnKeepsRefusingTheLink_StopsAfterBoundedResolves()
    {
        for (int i = 0; i < 10; i++)
        {
            _server.Inject(new HubFault(r => r.Host == FakeHost.Cdn, Status: 403));
        }

        using HubClient client = Client();

        var error = Assert.Throws<HubException>(() => ModelLoader.Open("hf://org/model", baseModel: null, client));

        Assert.Contains($"refused the download link (403) {HubClient.MaxResolves + 1} times", error.Message, StringComparison.Ordinal);
        Assert.Equal(HubClient.MaxResolves + 1, _server.Requests.Count(r => r.Host == FakeHost.Hub && r.Status == 302));
    }

    private static long RangeStart(HubRequest request) =>
        long.Parse(request.Range!["bytes=".Length..].Split('-')[0], CultureInfo.InvariantCulture);

    private static string Sha256(string path) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)));

    private HubClient Client() => new(new HubOptions(_server.Endpoint, null, Path.Combine(_scratch.Path, "cache")) { TimeProvider = _clock });
}
