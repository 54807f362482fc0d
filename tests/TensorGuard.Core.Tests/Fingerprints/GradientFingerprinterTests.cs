using TensorGuard.Core.Fingerprints;
using TensorGuard.Core.Fingerprints.Gradient;
using TensorGuard.Core.Formats;
using TensorGuard.Core.Formats.Safetensors;
using static TorchSharp.torch;

namespace TensorGuard.Core.Tests.Fingerprints;

public sealed class GradientFingerprinterTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tg-gradient-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Fingerprint_SameModel_IsByteIdenticalAcrossRunsThreadsAndParallelism()
    {
        string model = WriteModel("model.safetensors", TinyModels.Llama());

        int threads = get_num_threads();
        string[] documents;
        try
        {
            set_num_threads(1);
            string serial = Fingerprint(model, maxParallelism: 1);
            set_num_threads(2);
            documents = [serial, Fingerprint(model, maxParallelism: 1), Fingerprint(model, maxParallelism: 4), Fingerprint(model, maxParallelism: -1)];
        }
        finally
        {
            set_num_threads(threads);
        }

        Assert.All(documents, document => Assert.Equal(documents[0], document));
    }

    [Fact]
    public void Fingerprint_TinyLlama_MatchesSnapshot()
    {
        string model = WriteModel("model.safetensors", TinyModels.Llama());

        // The file's hash and size belong to the safetensors writer, not to this method.
        string document = System.Text.RegularExpressions.Regex.Replace(Fingerprint(model, maxParallelism: -1), "\"(sha256|size)\": [^,\n]+", "\"$1\": \"<scrubbed>\"");
        Snapshooter.Xunit3.Snapshot.Match(document);
    }

    [Fact]
    public void Fingerprint_ShardedModel_EqualsTheSingleFileFeatures()
    {
        var tensors = TinyModels.Llama();
        string single = WriteModel("single/model.safetensors", tensors);
        WriteModel("sharded/model-00001-of-00002.safetensors", tensors.Take(4));
        WriteModel("sharded/model-00002-of-00002.safetensors", tensors.Skip(4));
        File.WriteAllText(Path.Combine(_directory, "sharded", "model.safetensors.index.json"), IndexJson(tensors));

        FingerprintDocument one = Compute(single);
        FingerprintDocument two = Compute(Path.Combine(_directory, "sharded"));

        Assert.Equal(2, two.Files.Count);
        Assert.Equal(one.Gradient!.Features.Present, two.Gradient!.Features.Present);
        Assert.Equal(one.ParameterCount, two.ParameterCount);
    }

    [Fact]
    public void Fingerprint_TypicalModel_HasEveryLayerTypeGroupAndCountsTensors()
    {
        GradientFingerprint gradient = Compute(WriteModel("model.safetensors", TinyModels.Llama())).Gradient!;

        Assert.True(gradient.Features.Has(LayerType.Attention));
        Assert.True(gradient.Features.Has(LayerType.FeedForward));
        Assert.True(gradient.Features.Has(LayerType.Embedding));
        Assert.False(gradient.Features.Has(LayerType.Norm));
        Assert.Equal(gradient.Tensors.Count, gradient.Features[GradientFeatures.NumLayers]);
        Assert.Equal(Math.Sqrt(16), gradient.Tensors.Single(t => t.Name == "model.embed_tokens.weight").Statistics.Norm, 0.6);
    }

    [Fact]
    public void Fingerprint_AnonymousNames_CountTowardsGlobalOnly()
    {
        string model = WriteModel("model.safetensors", [TinyModels.F32("onnx::MatMul_1", 8, 16, 1), TinyModels.F32("onnx::MatMul_2", 16, 8, 2)]);

        GradientFingerprint gradient = Compute(model).Gradient!;

        Assert.Equal(2, gradient.Features[GradientFeatures.NumLayers]);
        Assert.All(LayerTypes.Grouped, type => Assert.False(gradient.Features.Has(type)));
        Assert.All(gradient.Tensors, t => Assert.Equal(LayerType.Other, t.LayerType));
    }

    [Fact]
    public void Fingerprint_NaNWeight_NamesTensorRowAndColumn()
    {
        SafetensorsWriter.Tensor bad = TinyModels.F32("model.layers.0.mlp.up_proj.weight", 8, 16, 3, poison: (5, 7, float.NaN));
        string model = WriteModel("model.safetensors", [TinyModels.F32("model.embed_tokens.weight", 32, 16, 1), bad]);

        var error = Assert.Throws<ModelFormatException>(() => Compute(model));

        Assert.Equal(model, error.Path);
        Assert.Contains("tensor \"model.layers.0.mlp.up_proj.weight\" holds a non-finite weight (NaN) at row 5, column 7", error.Message);
    }

    [Fact]
    public void Fingerprint_NoMatrices_IsAClearModelError()
    {
        string model = WriteModel("model.safetensors", [new SafetensorsWriter.Tensor("norm.weight", TensorDType.F32, [4], new byte[16])]);

        var error = Assert.Throws<NoWeightMatrixException>(() => Compute(model));

        Assert.Contains("holds no floating-point weight matrix or convolution kernel to fingerprint", error.Message);
    }

    [Fact]
    public void Fingerprint_AllZeroMatrix_IsLeftOutWithAWarning()
    {
        string model = WriteModel("model.safetensors",
            [TinyModels.F32("model.embed_tokens.weight", 32, 16, 1), new SafetensorsWriter.Tensor("model.layers.0.mlp.up_proj.weight", TensorDType.F32, [4, 16], new byte[256])]);

        FingerprintDocument document = Compute(model);

        Assert.Equal(1, document.Gradient!.Features[GradientFeatures.NumLayers]);
        Assert.Contains(document.Warnings, w => w.Contains("\"model.layers.0.mlp.up_proj.weight\" is all zeros"));
    }

    [Fact]
    public void Fingerprint_Bf16Weights_AreUpcastAndAnalysed()
    {
        SafetensorsWriter.Tensor f32 = TinyModels.F32("model.layers.0.self_attn.q_proj.weight", 16, 16, 9);
        byte[] bf16 = new byte[f32.Data.Length / 2];
        for (int i = 0; i < bf16.Length / 2; i++)
        {
            bf16[2 * i] = f32.Data[(4 * i) + 2];
            bf16[(2 * i) + 1] = f32.Data[(4 * i) + 3];
        }

        GradientFeatures full = Compute(WriteModel("f32/model.safetensors", [f32])).Gradient!.Features;
        GradientFeatures truncated = Compute(WriteModel("bf16/model.safetensors", [f32 with { DType = TensorDType.BF16, Data = bf16 }])).Gradient!.Features;

        // The norm is ‖x‖ whatever the weights; the weight-dependent statistics move by about BF16's precision.
        Assert.Equal(full["attention_norm"]!.Value, truncated["attention_norm"]!.Value, 12);
        Assert.Equal(full["attention_std"]!.Value, truncated["attention_std"]!.Value, 0.01 * full["attention_std"]!.Value);
        Assert.NotEqual(full["attention_kurtosis"], truncated["attention_kurtosis"]);
    }

    private FingerprintDocument Compute(string path)
    {
        using LoadedModel model = ModelLoader.Open(path);
        return ModelFingerprinter.Fingerprint(model, "tiny");
    }

    // Gradient only: the snapshot pins this method's output (the lineage sketch has its own tests).
    private string Fingerprint(string path, int maxParallelism)
    {
        using LoadedModel model = ModelLoader.Open(path);
        return FingerprintWriter.ToJson(ModelFingerprinter.Fingerprint(model, "tiny", new FingerprintRun(maxParallelism, Methods: FingerprintMethods.Gradient)));
    }

    private string WriteModel(string relative, IEnumerable<SafetensorsWriter.Tensor> tensors)
    {
        string path = Path.Combine(_directory, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        SafetensorsWriter.Write(path, tensors);
        return path;
    }

    private static string IndexJson(IEnumerable<SafetensorsWriter.Tensor> tensors)
    {
        var ordered = tensors.Select((t, i) => $"\"{t.Name}\": \"model-0000{(i < 4 ? 1 : 2)}-of-00002.safetensors\"");
        return "{\"metadata\": {}, \"weight_map\": {" + string.Join(", ", ordered) + "}}";
    }
}
