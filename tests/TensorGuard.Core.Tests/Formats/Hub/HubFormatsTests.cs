using TensorGuard.Core.Fingerprints;
using TensorGuard.Core.Formats;
using TensorGuard.Core.Formats.Hub;
using TensorGuard.Core.Formats.PyTorch;
using TensorGuard.Hub.Fake;
using TensorGuard.ModelFactory;
using TensorGuard.ModelFactory.Formats;
using TensorGuard.Tests.Corpus;
using Checkpoint = TensorGuard.ModelFactory.Formats.TorchCheckpointWriter;

namespace TensorGuard.Core.Tests.Formats.Hub;

/// <summary>PyTorch checkpoints, ONNX models and PEFT adapters read from the Hub stand-in give what the same files give locally.</summary>
public sealed class HubFormatsTests : IAsyncLifetime
{
    private readonly TestDirectory _scratch = new();
    private readonly InstantClock _clock = new();
    private FakeHubServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await FakeHubServer.StartAsync();

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _scratch.Dispose();
    }

    [Fact]
    public void Fingerprint_PyTorchCheckpoint_IsByteIdenticalToTheLocalOne()
    {
        string folder = PyTorchFolder(TestModels.Create(ModelFamily.Llama, seed: 3), "torch");
        _server.AddRepository("org/torch", folder);
        using HubClient client = Client();

        AssertSameFingerprint(folder, "hf://org/torch", client);
    }

    [Fact]
    public void Inspect_PyTorchCheckpoint_ReadsTheZipDirectoryAndThePickleOnly()
    {
        string folder = PyTorchFolder(TestModels.Create(ModelFamily.Llama, seed: 3), "inspect");
        long length = new FileInfo(Path.Combine(folder, "pytorch_model.bin")).Length;
        _server.AddRepository("org/inspect-torch", folder);
        using HubClient client = Client();

        ModelInspection inspection = ModelInspection.Of("hf://org/inspect-torch", baseModel: null, scan: false, client);

        Assert.Equal("pytorch", inspection.Format);
        long received = _server.Requests.Where(r => r.Host == FakeHost.Cdn).Sum(r => r.BytesSent);
        int ranges = _server.Requests.Count(r => r.Host == FakeHost.Cdn);
        Assert.True(received < length / 4, $"{received} of {length} bytes received to inspect the checkpoint");
        Assert.True(ranges <= 4, $"{ranges} ranges to inspect the checkpoint");
        Assert.All(_server.Requests.Where(r => r.Host == FakeHost.Cdn), r => Assert.StartsWith("bytes=", r.Range, StringComparison.Ordinal));
    }

    [Fact]
    public void Open_PyTorchShardIndex_FollowsTheIndexLikeALocalFolder()
    {
        TestModel model = TestModels.Create(ModelFamily.Mistral, seed: 4);
        string folder = Path.Combine(_scratch.Path, "torch-sharded");
        Directory.CreateDirectory(folder);
        Checkpoint.Tensor[] tensors = Tensors(model);
        Checkpoint.Tensor[][] halves = [tensors[..(tensors.Length / 2)], tensors[(tensors.Length / 2)..]];
        var weightMap = new Dictionary<string, string>();
        for (int i = 0; i < halves.Length; i++)
        {
            string shard = $"pytorch_model-0000{i + 1}-of-00002.bin";
            File.WriteAllBytes(Path.Combine(folder, shard), Checkpoint.Zip(halves[i]));
            foreach (Checkpoint.Tensor tensor in halves[i])
            {
                weightMap[tensor.Name] = shard;
            }
        }

        File.WriteAllText(Path.Combine(folder, "pytorch_model.bin.index.json"), System.Text.Json.JsonSerializer.Serialize(new { metadata = new { }, weight_map = weightMap }));
        _server.AddRepository("org/torch-sharded", folder);
        using HubClient client = Client();

        using LoadedModel remote = ModelLoader.Open("hf://org/torch-sharded", baseModel: null, client);
        using LoadedModel local = ModelLoader.Open(folder);

        Assert.EndsWith("/pytorch_model.bin.index.json", remote.Path, StringComparison.Ordinal);
        Assert.Equal(2, remote.Files.Count);
        Assert.Equal(local.Tensors.Select(t => (t.Name, t.ShapeText)), remote.Tensors.Select(t => (t.Name, t.ShapeText)));
    }

    [Fact]
    public void Open_LegacyCheckpoint_IsReadFromItsStart()
    {
        Checkpoint.Tensor[] tensors = [new("model.norm.weight", [4], TensorDType.F32, [1, 2, 3, 4])];
        _server.AddRepository("org/legacy", new Dictionary<string, byte[]> { ["pytorch_model.bin"] = Checkpoint.Legacy(tensors) });
        using HubClient client = Client();

        using LoadedModel remote = ModelLoader.Open("hf://org/legacy", baseModel: null, client);

        Assert.Equal([1f, 2, 3, 4], HubModelTests.ReadAll(remote, remote.Tensors.Single()));
    }

    [Fact]
    public void Open_PickleThatCouldRunCode_IsRefusedAsLocally()
    {
        byte[] pickle = new PickleBuilder().Proto(2).Global("collections", "OrderedDict").EmptyTuple().Reduce()
            .Global("os", "system").Unicode("echo pwned").Op(0x85).Reduce().Stop().ToArray();
        byte[] checkpoint = Checkpoint.Zip([new Checkpoint.Tensor("model.norm.weight", [4], TensorDType.F32, [1, 2, 3, 4])], pickle: pickle);
        _server.AddRepository("org/pickled", new Dictionary<string, byte[]> { ["pytorch_model.bin"] = checkpoint });
        using HubClient client = Client();

        var error = Assert.Throws<UnsafePickleException>(() => ModelLoader.Open("hf://org/pickled", baseModel: null, client));

        Assert.Contains("os.system", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("hf://org/pickled@", error.Path, StringComparison.Ordinal);
    }

    [Fact]
    public void Fingerprint_OnnxWithExternalData_IsByteIdenticalAndTheDataIsReadByRanges()
    {
        TestModel model = TestModels.Create(ModelFamily.Llama, seed: 5);
        string folder = Path.Combine(_scratch.Path, "onnx");
        Directory.CreateDirectory(folder);
        var writer = new OnnxWriter();
        foreach (TestTensor tensor in model.Weights)
        {
            writer.Initializer(tensor.Name, tensor.StoredShape.Select(d => (long)d).ToArray(), TensorDType.F32, tensor.StoredValues.ToArray(),
                tensor.Role.IsLinear ? OnnxWriter.Storage.External : OnnxWriter.Storage.Raw);
        }

        writer.Write(folder);
        _server.AddRepository("org/onnx", folder);
        using HubClient client = Client();

        AssertSameFingerprint(folder, "hf://org/onnx", client);

        Assert.All(_server.Requests.Where(r => r.Host == FakeHost.Cdn), r => Assert.StartsWith("bytes=", r.Range, StringComparison.Ordinal));
        using LoadedModel remote = ModelLoader.Open("hf://org/onnx", baseModel: null, client);
        Assert.Equal(["model.onnx", "model.onnx_data"], remote.Files.Select(f => f.Path[(f.Path.LastIndexOf('/') + 1)..]));
        Assert.All(remote.Files, f => Assert.Matches("^[0-9a-f]{64}$", f.Sha256!));
    }

    [Theory]
    [InlineData("../secret.bin", "not a relative path inside the model's folder")]
    [InlineData("https://evil.example/x", "not a relative path inside the model's folder")]
    [InlineData("missing.bin", "does not hold next to the model")]
    public void Open_OnnxExternalDataOutsideTheRepository_IsRefused(string location, string expected)
    {
        var tensor = new OnnxWriter.Proto().Varint(1, 4).Varint(2, 1).String(8, "w")
            .Message(13, new OnnxWriter.Proto().String(1, "location").String(2, location)).Varint(14, 1);
        string folder = Path.Combine(_scratch.Path, "hostile-onnx");
        Directory.CreateDirectory(folder);
        new OnnxWriter().RawInitializer(tensor.ToArray()).Write(folder);
        _server.AddRepository("org/hostile-onnx", folder);
        using HubClient client = Client();

        var error = Assert.ThrowsAny<ModelFormatException>(() => ModelLoader.Open("hf://org/hostile-onnx/model.onnx", baseModel: null, client));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_server.Requests, r => r.Path.Contains("secret", StringComparison.Ordinal) || r.Path.Contains("evil", StringComparison.Ordinal));
    }

    [Fact]
    public void Fingerprint_AdapterOnTheHubWithItsBaseOnTheHub_IsByteIdenticalToTheLocalMerge()
    {
        TestModel model = TestModels.Create(ModelFamily.Llama, seed: 6);
        SavedModel baseSaved = model.Save(Path.Combine(_scratch.Path, "base"));
        SavedAdapter adapter = model.TrainLora(rank: 4).WithoutCard().Save(Path.Combine(_scratch.Path, "adapter"));
        _server.AddRepository("org/base", baseSaved.Directory);
        _server.AddRepository("org/adapter", adapter.Directory);
        using HubClient client = Client();

        using LoadedModel remote = ModelLoader.Open("hf://org/adapter", "hf://org/base", client);
        using LoadedModel local = ModelLoader.Open(adapter.Directory, baseSaved.Directory);

        Assert.StartsWith("peft-lora+", remote.Format, StringComparison.Ordinal);
        Assert.Equal(Scrubbed(local), Scrubbed(remote));
        Assert.Contains(remote.Files, f => f.Path.EndsWith("/adapter_config.json", StringComparison.Ordinal) && f.Sha256 is not null);
    }

    [Fact]
    public void Inspect_AdapterOnTheHubWithoutBase_ListsTheAdapterAsLocally()
    {
        SavedAdapter adapter = PublishAdapter("adapter-alone");
        using HubClient client = Client();

        ModelInspection remote = ModelInspection.Of("hf://org/adapter-alone", baseModel: null, scan: false, client);
        ModelInspection local = ModelInspection.Of(adapter.Directory, baseModel: null, scan: false);

        Assert.Equal(local.Format, remote.Format);
        Assert.Equal(local.Tensors.Select(t => (t.Name, t.Dtype, string.Join(',', t.Shape), t.File)), remote.Tensors.Select(t => (t.Name, t.Dtype, string.Join(',', t.Shape), t.File)));
        Assert.NotNull(remote.Adapter);
        Assert.Equal(local.Adapter!.NotAnalysed(), remote.Adapter!.NotAnalysed());
    }

    [Fact]
    public void Open_AdapterAsTheBase_IsRefused()
    {
        SavedAdapter adapter = PublishAdapter("adapter-base");
        using HubClient client = Client();

        var error = Assert.Throws<ModelFormatException>(() => ModelLoader.Open(adapter.Directory, "hf://org/adapter-base", client));

        Assert.Contains("is itself a PEFT adapter", error.Message, StringComparison.Ordinal);
    }

    // A LoRA adapter of a Llama test model, saved locally and published as org/NAME.
    private SavedAdapter PublishAdapter(string name)
    {
        SavedAdapter adapter = TestModels.Create(ModelFamily.Llama, seed: 6).TrainLora(rank: 4).WithoutCard().Save(Path.Combine(_scratch.Path, name));
        _server.AddRepository($"org/{name}", adapter.Directory);
        return adapter;
    }

    private static Checkpoint.Tensor[] Tensors(TestModel model) =>
        model.Weights.Select(t => new Checkpoint.Tensor(t.Name, t.StoredShape.Select(d => (long)d).ToArray(), TensorDType.F32, t.StoredValues.ToArray())).ToArray();

    // The document without its file list, whose paths differ (hf://… against local names) by design.
    private static string Scrubbed(LoadedModel model) =>
        FingerprintWriter.ToJson(ModelFingerprinter.Fingerprint(model, "model", new FingerprintRun(Methods: FingerprintMethods.Base)) with { Files = [] });

    private void AssertSameFingerprint(string folder, string reference, HubClient client)
    {
        using LoadedModel remote = ModelLoader.Open(reference, baseModel: null, client);
        using LoadedModel local = ModelLoader.Open(folder);
        Assert.Equal(local.Format, remote.Format);
        Assert.Equal(Scrubbed(local), Scrubbed(remote));
        Assert.Equal(
            local.Files.Select(f => (Path.GetFileName(f.Path), f.Length, Sha256(f.Path))),
            remote.Files.Select(f => (f.Path[(f.Path.LastIndexOf('/') + 1)..], f.Length, f.Sha256!)));
    }

    private static string Sha256(string path) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)));

    private string PyTorchFolder(TestModel model, string name)
    {
        string folder = Path.Combine(_scratch.Path, name);
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, "pytorch_model.bin"), Checkpoint.Zip(Tensors(model)));
        return folder;
    }

    private HubClient Client() => new(new HubOptions(_server.Endpoint, null, Path.Combine(_scratch.Path, "cache")) { TimeProvider = _clock });
}
