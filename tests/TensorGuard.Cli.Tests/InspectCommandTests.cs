using System.Diagnostics;
using Snapshooter.Xunit3;
using TensorGuard.Core.Formats;
using TensorGuard.Core.Formats.Safetensors;
using TensorGuard.Tests.Corpus;

namespace TensorGuard.Cli.Tests;

public sealed class InspectCommandTests : IDisposable
{
    private const int Hidden = 16, Layers = 3, Heads = 4, KvHeads = 2, HeadDim = 4, Intermediate = 40, Vocab = 64;

    private readonly TestDirectory _directory = new();

    [Fact]
    public void Inspect_ShardedModelWithConfig_MatchesTextSnapshot()
    {
        string model = ShardedLlama();

        CliResult result = CliRun.Invoke("inspect", model);

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(result.Error);
        Snapshot.Match(Scrub(result.Output));
    }

    [Fact]
    public void Inspect_EveryTensor_MatchesTextSnapshot()
    {
        string model = ShardedLlama();

        CliResult result = CliRun.Invoke("inspect", "--tensors", model);

        Assert.Equal(0, result.ExitCode);
        Snapshot.Match(Scrub(result.Output));
    }

    [Fact]
    public void Inspect_Json_MatchesSnapshot()
    {
        string model = ShardedLlama();

        CliResult result = CliRun.Invoke("inspect", "--json", "--scan", model);

        Assert.Equal(0, result.ExitCode);
        Snapshot.Match(Scrub(result.Output));
    }

    [Fact]
    public void Inspect_ScanWithNonFiniteWeights_MatchesTextSnapshot()
    {
        string path = _directory.File("weights.safetensors");
        SafetensorsWriter.Write(path,
        [
            new("a.weight", TensorDType.F32, [2, 2], RawSafetensors.F32(1, float.NaN, float.PositiveInfinity, float.NaN)),
            new("b.weight", TensorDType.BF16, [2], [0x80, 0xFF, 0x80, 0x3F]),
            new("c.weight", TensorDType.F4, [2], [0x11]),
            new("evil\nerror: injected", TensorDType.F32, [1], RawSafetensors.F32(0)),
        ]);

        CliResult result = CliRun.Invoke("inspect", "--scan", path);

        Assert.Equal(0, result.ExitCode);
        Snapshot.Match(Scrub(result.Output));
    }

    [Fact]
    public void Inspect_TwoModels_PrintsBothInOrder()
    {
        string first = SafetensorsFileWith("first.safetensors");
        string second = SafetensorsFileWith("second.safetensors");

        CliResult result = CliRun.Invoke("inspect", first, second);

        Assert.Equal(0, result.ExitCode);
        Assert.True(result.Output.IndexOf(first, StringComparison.Ordinal) < result.Output.IndexOf(second, StringComparison.Ordinal));
    }

    [Fact]
    public void Inspect_AsProcessOnCorruptFile_ExitsThreeWithOneLineAndNoStackTrace()
    {
        string path = RawSafetensors.Write(_directory.File("corrupt.safetensors"), "{\"a\":", declaredLength: 1L << 40);
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "tensorguard.dll"), "inspect", path])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };

        using Process process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(60_000));

        Assert.Equal(3, process.ExitCode);
        Assert.Equal($"error: {path}: header length 1099511627776 exceeds the limit of 100000000 bytes; the file is corrupt or not safetensors", error.TrimEnd('\n'));
        Assert.Empty(output);
    }

    public void Dispose() => _directory.Dispose();

    private string Scrub(string output) => output.Replace(_directory.Path, "<dir>", StringComparison.Ordinal);

    private string SafetensorsFileWith(string name)
    {
        string path = _directory.File(name);
        SafetensorsWriter.Write(path, [new("w", TensorDType.F32, [1], RawSafetensors.F32(1))]);
        return path;
    }

    // A small Llama-style checkpoint in two shards with an index, a config and safetensors metadata.
    private string ShardedLlama()
    {
        var tensors = new List<SafetensorsWriter.Tensor>
        {
            Zeros("model.embed_tokens.weight", Vocab, Hidden),
            Zeros("model.norm.weight", Hidden),
            Zeros("lm_head.weight", Vocab, Hidden),
        };
        for (int layer = 0; layer < Layers; layer++)
        {
            string p = $"model.layers.{layer}.";
            tensors.AddRange([
                Zeros(p + "input_layernorm.weight", Hidden), Zeros(p + "post_attention_layernorm.weight", Hidden),
                Zeros(p + "self_attn.q_proj.weight", Heads * HeadDim, Hidden), Zeros(p + "self_attn.k_proj.weight", KvHeads * HeadDim, Hidden),
                Zeros(p + "self_attn.v_proj.weight", KvHeads * HeadDim, Hidden), Zeros(p + "self_attn.o_proj.weight", Hidden, Heads * HeadDim),
                Zeros(p + "mlp.gate_proj.weight", Intermediate, Hidden), Zeros(p + "mlp.up_proj.weight", Intermediate, Hidden),
                Zeros(p + "mlp.down_proj.weight", Hidden, Intermediate)]);
        }

        var metadata = new Dictionary<string, string> { ["format"] = "pt" };
        SafetensorsWriter.Tensor[] first = tensors.Where(t => !t.Name.Contains("layers.2.", StringComparison.Ordinal) && t.Name != "lm_head.weight").ToArray();
        SafetensorsWriter.Tensor[] second = tensors.Except(first).ToArray();
        SafetensorsWriter.Write(_directory.File("model-00001-of-00002.safetensors"), first, metadata);
        SafetensorsWriter.Write(_directory.File("model-00002-of-00002.safetensors"), second, metadata);
        string weightMap = string.Join(",\n    ", first.Select(t => $"\"{t.Name}\": \"model-00001-of-00002.safetensors\"")
            .Concat(second.Select(t => $"\"{t.Name}\": \"model-00002-of-00002.safetensors\"")));
        File.WriteAllText(_directory.File(SafetensorsIndex.FileName), $"{{\"metadata\": {{}}, \"weight_map\": {{\n    {weightMap}\n}}}}");
        File.WriteAllText(_directory.File("config.json"), $$"""
            {"model_type": "llama", "hidden_size": {{Hidden}}, "num_hidden_layers": {{Layers}}, "num_attention_heads": {{Heads}},
             "num_key_value_heads": {{KvHeads}}, "intermediate_size": {{Intermediate}}, "vocab_size": {{Vocab}}, "tie_word_embeddings": false}
            """);
        return _directory.Path;
    }

    private static SafetensorsWriter.Tensor Zeros(string name, params long[] shape) =>
        new(name, TensorDType.BF16, shape, new byte[shape.Aggregate(2L, (p, d) => p * d)]);
}
