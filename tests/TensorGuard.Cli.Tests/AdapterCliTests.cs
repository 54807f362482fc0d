using System.Text.Json;
using TensorGuard.ModelFactory;
using TensorGuard.Tests.Corpus;

namespace TensorGuard.Cli.Tests;

public sealed class AdapterCliTests : IDisposable
{
    private static readonly TestModel Llama = TestModels.Create(ModelFamily.Llama, seed: 1);
    private readonly TestDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    public static TheoryData<string> Malformed => new(MalformedAdapters.All.Keys.Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Fingerprint_MalformedAdapter_ExitsThreeWithOneErrorLine(string name)
    {
        MalformedAdapter malformed = MalformedAdapters.All[name];
        (string adapter, string? baseModel) = malformed.Create(_directory);

        CliResult result = CliRun.Invoke(["fingerprint", adapter, .. baseModel is null ? Array.Empty<string>() : ["--base", baseModel]]);

        Assert.Equal(3, result.ExitCode);
        string line = Assert.Single(result.ErrorLines);
        Assert.StartsWith("error: " + _directory.Path, line, StringComparison.Ordinal);
        Assert.Contains(malformed.Fragment, line, StringComparison.Ordinal);
        Assert.Empty(result.Output);
    }

    [Fact]
    public void Inspect_AdapterWithoutBase_ShowsDeclarationsAndWhatWasNotVerified()
    {
        string adapter = Llama.TrainLora(rank: 8, alpha: 32).Save(_directory.File("adapter")).Directory;

        CliResult result = CliRun.Invoke("inspect", adapter);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains($"PEFT LoRA adapter of {Llama.Id}", result.Output);
        Assert.Contains("rank r 8, lora_alpha 32, scaling 4 (alpha/r), fan_in_fan_out false", result.Output);
        Assert.Contains("target modules: down_proj, gate_proj, k_proj, o_proj, q_proj, up_proj, v_proj", result.Output);
        Assert.Contains("merged into: nothing", result.Output);
        Assert.Contains("not verified: that the shapes match the declared base", result.Output);
        Assert.Contains("hidden size        64", result.Output);
    }

    [Fact]
    public void Inspect_AdapterWithBaseAsJson_CarriesTheAdapterSection()
    {
        string adapter = Llama.TrainLora(rank: 4).Save(_directory.File("adapter"), fanInFanOut: true).Directory;
        string baseModel = Llama.TransposeLinear().Save(_directory.File("base")).Directory;

        CliResult result = CliRun.Invoke("inspect", adapter, "--base", baseModel, "--json");

        Assert.Equal(0, result.ExitCode);
        using JsonDocument json = JsonDocument.Parse(result.Output);
        JsonElement inspection = json.RootElement[0];
        Assert.Equal("peft-lora+safetensors", inspection.GetProperty("format").GetString());
        JsonElement section = inspection.GetProperty("adapter");
        Assert.Equal(Llama.Id, section.GetProperty("declaredBase").GetString());
        Assert.Equal(4, section.GetProperty("rank").GetInt32());
        Assert.True(section.GetProperty("fanInFanOut").GetBoolean());
        Assert.Equal(baseModel, section.GetProperty("baseWeights").GetString());
        Assert.Equal(Llama.Tensors.Count, inspection.GetProperty("tensors").GetArrayLength());
    }

    [Fact]
    public void Compare_AdapterWithBaseAgainstTheBase_IsDerived()
    {
        string adapter = Llama.TrainLora(rank: 8, relativeScale: 0.05).Save(_directory.File("adapter")).Directory;
        string baseModel = Llama.Save(_directory.File("base")).Directory;

        CliResult result = CliRun.Invoke("compare", baseModel, adapter, "--base", baseModel);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("verdict: derived", result.Output);
    }

    [Fact]
    public void Check_AdapterWithoutBase_IsNotAnalysedAndNeverCompliant()
    {
        string adapter = Llama.TrainLora(rank: 4).Save(_directory.File("adapter")).Directory;

        CliResult result = CliRun.Invoke("check", adapter, "--policy", RepositoryFiles.DefaultPolicy, "--no-cache");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("could not be analysed: PEFT LoRA adapter", result.Output);
        Assert.Contains("was not analysed", result.Output);
        Assert.DoesNotContain("COMPLIANT", result.Output);
    }

    [Fact]
    public void Check_AdapterWithBase_IsAnalysedAsTheMergedModel()
    {
        string adapter = Llama.TrainLora(rank: 4).Save(_directory.File("adapter")).Directory;
        string baseModel = Llama.Save(_directory.File("base")).Directory;

        CliResult result = CliRun.Invoke("check", adapter, "--policy", RepositoryFiles.DefaultPolicy, "--no-cache", "--base", baseModel);

        Assert.NotEqual(3, result.ExitCode);
        Assert.DoesNotContain("could not be analysed", result.Output);
    }

    [Fact]
    public void Check_PolicyEntryWithBaseWeights_MergesTheAdapter()
    {
        Directory.CreateDirectory(_directory.File(".git"));
        Llama.TrainLora(rank: 4).Save(_directory.File("adapter"));
        Llama.Save(_directory.File("base"));
        RepositoryFiles.CopyPolicyFingerprints(_directory.File("fingerprints"));

        string policy = _directory.File("tensorguard.yml");
        File.WriteAllText(policy, File.ReadAllText(RepositoryFiles.DefaultPolicy) + "\nmodels:\n  - path: adapter\n    base-weights: base\n");
        File.Copy(Path.Combine(RepositoryFiles.Root, "policies", "catalogue.yml"), Path.Combine(Path.GetDirectoryName(policy)!, "catalogue.yml"));

        CliResult withBase = CliRun.Invoke("check", "--policy", policy, "--no-cache");

        Assert.DoesNotContain("could not be analysed", withBase.Output);
        Assert.NotEqual(3, withBase.ExitCode);
    }
}
