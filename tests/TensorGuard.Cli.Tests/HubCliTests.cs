using System.Text;
using TensorGuard.Core.Fingerprints;
using TensorGuard.Core.Formats;
using TensorGuard.Hub.Fake;
using TensorGuard.ModelFactory;
using TensorGuard.ModelFactory.Formats;
using TensorGuard.Tests.Corpus;

namespace TensorGuard.Cli.Tests;

/// <summary><c>hf://</c> references through the CLI as a process, against the Hub stand-in (HF_ENDPOINT), as CI runs it.</summary>
public sealed class HubCliTests : IAsyncLifetime
{
    private const string Token = "hf_cli_secret_token_value";
    private readonly TestDirectory _directory = new();
    private FakeHubServer _server = null!;
    private string _commit = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await FakeHubServer.StartAsync();
        SavedModel saved = ModelWriter.Save(TestModels.Create(ModelFamily.Llama, seed: 11), Path.Combine(_directory.Path, "llama"), shards: 2);
        File.WriteAllText(Path.Combine(saved.Directory, "README.md"), "---\nlicense: llama3.2\nmodel_name: Llama-Tiny-Hub\n---\n# Tiny\n");
        _commit = _server.AddRepository("org/tiny", saved.Directory);
        _server.AddRepository("org/gated", saved.Directory, requiredToken: Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public void Inspect_HubModel_ListsTensorsFromHeaderRangesOnly()
    {
        CliResult result = Run(token: Token, "inspect", "hf://org/tiny", "--json");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains($"hf://org/tiny@{_commit}", result.Output, StringComparison.Ordinal);
        Assert.Contains("model.layers.0.self_attn.q_proj.weight", result.Output, StringComparison.Ordinal);
        Assert.All(_server.Requests.Where(r => r.Host == FakeHost.Cdn), r => Assert.Equal("bytes=0-99999", r.Range));
        Assert.DoesNotContain(Token, result.Output + result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Fingerprint_HubModel_RecordsTheCommitAndTheHubsHashes()
    {
        CliResult result = Run(token: null, "fingerprint", "hf://org/tiny", "--method", "lineage");

        Assert.True(result.ExitCode == 0, result.Error);
        FingerprintDocument document = FingerprintReader.Parse(Encoding.UTF8.GetBytes(result.Output), "stdout", "x");
        Assert.Equal("Llama-Tiny-Hub", document.ModelName);
        Assert.All(document.Files, file => Assert.StartsWith($"hf://org/tiny@{_commit}/model-0000", file.Path, StringComparison.Ordinal));
        Assert.NotNull(document.Lineage);
    }

    [Fact]
    public void Inspect_GatedWithoutToken_OneLineExit3()
    {
        CliResult result = Run(token: null, "inspect", "hf://org/gated");

        Assert.Equal(3, result.ExitCode);
        string line = Assert.Single(result.ErrorLines);
        Assert.Contains("HF_TOKEN", line, StringComparison.Ordinal);
        Assert.Contains("request access", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_HeaderBombOverHttp_IsExit3()
    {
        byte[] bomb = new byte[26_000_100];
        BitConverter.TryWriteBytes(bomb.AsSpan(0, 8), 26_000_000UL);
        bomb[8] = (byte)'{';
        _server.AddRepository("org/bomb", new Dictionary<string, byte[]> { ["model.safetensors"] = bomb });

        CliResult result = Run(token: null, "inspect", "hf://org/bomb");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("25000000", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_PyTorchCheckpointOnTheHub_IsReadByRanges()
    {
        byte[] checkpoint = TorchCheckpointWriter.Zip([new TorchCheckpointWriter.Tensor("model.norm.weight", [4], TensorDType.F32, [1, 2, 3, 4])]);
        string commit = _server.AddRepository("org/torch", new Dictionary<string, byte[]> { ["pytorch_model.bin"] = checkpoint });

        CliResult result = Run(token: null, "inspect", "hf://org/torch", "--json");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains($"hf://org/torch@{commit}/pytorch_model.bin", result.Output, StringComparison.Ordinal);
        Assert.Contains("\"pytorch\"", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_PickleThatCouldRunCodeOnTheHub_OneLineExit3()
    {
        byte[] pickle = new PickleBuilder().Proto(2).Global("collections", "OrderedDict").EmptyTuple().Reduce()
            .Global("os", "system").Unicode("echo pwned").Op(0x85).Reduce().Stop().ToArray();
        _server.AddRepository("org/pickled", new Dictionary<string, byte[]>
        {
            ["pytorch_model.bin"] = TorchCheckpointWriter.Zip([new TorchCheckpointWriter.Tensor("model.norm.weight", [4], TensorDType.F32, [1, 2, 3, 4])], pickle: pickle),
        });

        CliResult result = Run(token: null, "inspect", "hf://org/pickled");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("os.system", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("hf://org/tiny/../../x")]
    [InlineData("hf://org/tiny/http://evil.example/x")]
    public void Inspect_UnsafeReference_IsExit3WithoutARequest(string reference)
    {
        CliResult result = Run(token: null, "inspect", reference);

        Assert.Equal(3, result.ExitCode);
        Assert.Empty(_server.Requests);
    }

    private CliResult Run(string? token, params string[] args)
    {
        var environment = new Dictionary<string, string>
        {
            ["HF_ENDPOINT"] = _server.Endpoint.AbsoluteUri,
            ["TENSORGUARD_CACHE_DIR"] = Path.Combine(_directory.Path, "cache"),
            ["HF_TOKEN"] = token ?? string.Empty,
            ["HUGGING_FACE_HUB_TOKEN"] = string.Empty,
        };
        return CliProcess.Run(_directory.Path, environment, args);
    }
}
