using TensorGuard.ModelFactory;
using TensorGuard.ModelFactory.Formats;
using TensorGuard.Tests.Corpus;

namespace TensorGuard.Cli.Tests;

public sealed class FormatsCliTests : IDisposable
{
    private readonly TestDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Fingerprint_QuantizedGguf_AnalysesTheDequantizedWeights()
    {
        string path = _directory.File("model.gguf");
        GgufModelWriter.Write(TestModels.Create(ModelFamily.Llama, seed: 3).ToGguf(), path, Core.Formats.TensorDType.Q80);

        CliResult result = CliRun.Invoke("fingerprint", path);

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("fingerprinted ", result.ErrorLines[^1], StringComparison.Ordinal);
        Assert.DoesNotContain("not analysed", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Fingerprint_GgufWithoutCard_IsNamedByItsMetadata()
    {
        string path = _directory.File("converted.gguf");
        TestModel model = TestModels.Create(ModelFamily.Llama, seed: 3).WithCard(card => card with { ModelName = "Helper-8B" });
        GgufModelWriter.Write(model.ToGguf(), path, Core.Formats.TensorDType.Q80);

        CliResult result = CliRun.Invoke("fingerprint", path, "--method", "lineage");

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("fingerprinted Helper-8B: ", result.ErrorLines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void Check_GgufWithoutCard_UsesTheNameLicenseAndBaseItsMetadataDeclares()
    {
        string path = _directory.File("model.gguf");
        TestModel model = TestModels.Create(ModelFamily.Llama, seed: 3)
            .WithCard(card => card with { ModelName = "Helper-8B", License = "apache-2.0", BaseModel = ["meta-llama/Llama-3.1-8B"] });
        GgufModelWriter.Write(model.ToGguf(), path, Core.Formats.TensorDType.Q80);

        CliResult result = CliRun.Invoke("check", path, "--policy", RepositoryFiles.DefaultPolicy, "--no-cache");

        Assert.Contains("declared  name Helper-8B [file metadata] · license apache-2.0 [file metadata] · base model meta-llama/Llama-3.1-8B [file metadata]", result.Output);
        Assert.Contains("license-conflict", result.Output);
    }

    [Fact]
    public void InspectAndFingerprint_Fp8CheckpointOfTorch21_ReadTheV3Tensors()
    {
        // As torch >= 2.1 saves FP8 weights: matrices through _rebuild_tensor_v3 over untyped storages, vectors in float32.
        string path = _directory.File("model.pt");
        TestModel model = TestModels.Create(ModelFamily.Llama, seed: 3);
        File.WriteAllBytes(path, TorchCheckpointWriter.Zip(model.Weights
            .Select(t => new TorchCheckpointWriter.Tensor(t.Name, [.. t.StoredShape.Select(side => (long)side)], t.Shape.Count >= 2 ? Core.Formats.TensorDType.F8E4M3 : Core.Formats.TensorDType.F32, t.StoredValues.ToArray()))
            .ToArray()));
        string original = _directory.File("original");
        model.Save(original);

        CliResult inspect = CliRun.Invoke("inspect", path);
        CliResult fingerprint = CliRun.Invoke("fingerprint", path, "--out", _directory.File("fp8.json"));
        CliResult compare = CliRun.Invoke("compare", original, path);

        Assert.Equal((0, 0, 0), (inspect.ExitCode, fingerprint.ExitCode, compare.ExitCode));
        Assert.Contains("pytorch", inspect.Output, StringComparison.Ordinal);
        Assert.Contains("F8_E4M3", inspect.Output, StringComparison.Ordinal);
        Assert.Contains(fingerprint.ErrorLines, line => line.StartsWith("fingerprinted ", StringComparison.Ordinal));
        Assert.True(File.Exists(_directory.File("fp8.json")));
        Assert.DoesNotContain("not analysed", fingerprint.Error, StringComparison.Ordinal);
        Assert.Contains("verdict: derived", compare.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_HostilePickle_ExitsThreeNamingTheGlobal()
    {
        string path = _directory.File("pytorch_model.bin");
        File.WriteAllBytes(path, new PickleBuilder().Proto(2).Global("os", "system").Unicode("id").Op(0x85).Reduce().Stop().ToArray());

        CliResult result = CliRun.Invoke("inspect", path);

        Assert.Equal(3, result.ExitCode);
        string line = Assert.Single(result.ErrorLines);
        Assert.Contains("references os.system (GLOBAL at byte 2)", line, StringComparison.Ordinal);
    }
}
