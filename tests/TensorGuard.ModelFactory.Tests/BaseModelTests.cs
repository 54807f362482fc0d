using TensorGuard.Core.Formats;

namespace TensorGuard.ModelFactory.Tests;

public sealed class BaseModelTests
{
    public static TheoryData<ModelFamily> TransformerFamilies => new(TestModels.TransformerFamilies);

    [Theory]
    [InlineData(ModelFamily.ConvNet, new[] { 32, 3, 3, 3 }, new[] { 32, 32, 3, 3 }, new[] { 10, 32 })]
    [InlineData(ModelFamily.MlpHead, new[] { 96, 64 }, new[] { 96, 96 }, new[] { 10, 96 })]
    public void Save_ClassifierFamily_ReadsBackKernelsDenseLayersAndClassifier(ModelFamily family, int[] first, int[] later, int[] classifier)
    {
        TestModel model = TestModels.Create(family);
        using var directory = new TemporaryDirectory();
        model.Save(directory.Path);

        using LoadedModel loaded = ModelLoader.Open(directory.Path);

        var shapes = loaded.Tensors.ToDictionary(t => t.Name, t => t.Shape.Select(d => (int)d).ToArray());
        string prefix = family == ModelFamily.ConvNet ? "features.{0}.conv." : "head.layers.{0}.";
        Assert.Equal(first, shapes[string.Format(System.Globalization.CultureInfo.InvariantCulture, prefix, 0) + "weight"]);
        Assert.Equal(later, shapes[string.Format(System.Globalization.CultureInfo.InvariantCulture, prefix, model.Architecture.Layers - 1) + "weight"]);
        Assert.Equal([later[0]], shapes[string.Format(System.Globalization.CultureInfo.InvariantCulture, prefix, 1) + "bias"]);
        Assert.Equal(classifier, shapes["classifier.weight"]);
        Assert.Equal((2 * model.Architecture.Layers) + 1, shapes.Count);
    }

    [Theory]
    [MemberData(nameof(TransformerFamilies))]
    public void Save_EveryFamily_ReadsBackWithFamilyNamesShapesAndValues(ModelFamily family)
    {
        TestModel model = TestModels.Create(family);
        Architecture a = model.Architecture;
        using var directory = new TemporaryDirectory();
        model.Save(directory.Path);

        using LoadedModel loaded = ModelLoader.Open(directory.Path);
        var shapes = loaded.Tensors.ToDictionary(t => t.Name, t => t.Shape.Select(d => (int)d).ToArray());
        int h = a.HiddenSize;
        Assert.Equal([a.VocabSize, h], shapes["model.embed_tokens.weight"]);
        Assert.Equal([h], shapes["model.norm.weight"]);
        Assert.Equal(!a.TiedEmbeddings, shapes.ContainsKey("lm_head.weight"));
        for (int layer = 0; layer < a.Layers; layer++)
        {
            string p = $"model.layers.{layer}.";
            Assert.Equal([h], shapes[p + "input_layernorm.weight"]);
            Assert.Equal([h], shapes[p + "post_attention_layernorm.weight"]);
            Assert.Equal([h, a.AttentionHeads * a.HeadDim], shapes[p + "self_attn.o_proj.weight"]);
            Assert.Equal([h, a.IntermediateSize], shapes[p + "mlp.down_proj.weight"]);
            if (family is ModelFamily.Phi3 or ModelFamily.Phi4)
            {
                Assert.Equal([(a.AttentionHeads + (2 * a.KeyValueHeads)) * a.HeadDim, h], shapes[p + "self_attn.qkv_proj.weight"]);
                Assert.Equal([2 * a.IntermediateSize, h], shapes[p + "mlp.gate_up_proj.weight"]);
                Assert.False(shapes.ContainsKey(p + "self_attn.q_proj.weight"));
            }
            else
            {
                Assert.Equal([a.AttentionHeads * a.HeadDim, h], shapes[p + "self_attn.q_proj.weight"]);
                Assert.Equal([a.KeyValueHeads * a.HeadDim, h], shapes[p + "self_attn.k_proj.weight"]);
                Assert.Equal([a.IntermediateSize, h], shapes[p + "mlp.gate_proj.weight"]);
            }

            Assert.Equal(family == ModelFamily.Qwen2, shapes.ContainsKey(p + "self_attn.q_proj.bias"));
            Assert.Equal(family == ModelFamily.Gemma, shapes.ContainsKey(p + "pre_feedforward_layernorm.weight"));
            Assert.Equal(family == ModelFamily.Gemma, shapes.ContainsKey(p + "post_feedforward_layernorm.weight"));
        }

        Assert.Equal(model.Weights.Count, loaded.Tensors.Count);
        Assert.Equal(model.ParameterCount, loaded.ParameterCount);
        AssertSameValues(model, loaded);
    }

    [Theory]
    [InlineData(ModelFamily.Llama, 3.5, false)]
    [InlineData(ModelFamily.Qwen2, 5.375, true)]
    [InlineData(ModelFamily.Gemma, 4.0, true)]
    [InlineData(ModelFamily.Phi3, 8.0 / 3, false)]
    [InlineData(ModelFamily.Phi4, 3.5, false)]
    [InlineData(ModelFamily.Mistral, 3.5, false)]
    public void Default_Architecture_HasTheFamilysRatios(ModelFamily family, double mlpRatio, bool tied)
    {
        Architecture a = Architecture.Default(family);

        Assert.Equal(mlpRatio, (double)a.IntermediateSize / a.HiddenSize, 2);
        Assert.Equal(tied, a.TiedEmbeddings);
        Assert.Equal(family == ModelFamily.Phi3, a.AttentionHeads == a.KeyValueHeads);
        Assert.Equal(family == ModelFamily.Gemma, a.QueryWidth != a.HiddenSize);
    }

    [Fact]
    public void Default_Models_StayWellUnderAFewMegabytes()
    {
        foreach (ModelFamily family in Enum.GetValues<ModelFamily>())
        {
            Assert.InRange(TestModels.Create(family).ParameterCount * 4, 100_000, 3_000_000);
        }
    }

    [Theory]
    [InlineData(TensorDType.F32)]
    [InlineData(TensorDType.BF16)]
    [InlineData(TensorDType.F16)]
    public void Save_SameSeedTwice_WritesByteIdenticalFiles(TensorDType dtype)
    {
        using var directory = new TemporaryDirectory();
        SavedModel first = TestModels.Create(ModelFamily.Qwen2, seed: 7, dtype).Save(directory.Sub("a"), shards: 2);
        SavedModel second = TestModels.Create(ModelFamily.Qwen2, seed: 7, dtype).Save(directory.Sub("b"), shards: 2);

        string[] names = Directory.GetFiles(first.Directory).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;
        Assert.Equal(names, Directory.GetFiles(second.Directory).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray());
        Assert.Equal(["README.md", "config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "model.safetensors.index.json"], names);
        foreach (string name in names)
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(first.Directory, name)), File.ReadAllBytes(Path.Combine(second.Directory, name)));
        }
    }

    [Fact]
    public void Create_DifferentSeeds_GivesUncorrelatedWeights()
    {
        TestModel a = TestModels.Create(ModelFamily.Llama, seed: 1);
        TestModel b = TestModels.Create(ModelFamily.Llama, seed: 2);

        foreach (TestTensor tensor in a.Weights.Where(t => t.Role.IsLinear))
        {
            Assert.InRange(Reference.Correlation(tensor.Values, b[tensor.Name].Values), -0.1, 0.1);
        }
    }

    [Fact]
    public void Create_SameSeedOtherFamilyOrSize_GivesUncorrelatedWeights()
    {
        TestModel llama = TestModels.Create(ModelFamily.Llama, seed: 1);
        TestModel mistral = TestModels.Create(ModelFamily.Mistral, seed: 1);
        TestModel wider = TestModels.Create(Architecture.Default(ModelFamily.Llama) with { IntermediateSize = 256 }, seed: 1);

        Assert.InRange(Reference.Correlation(llama.Get(TensorKind.AttnQ, 0).Values, mistral.Get(TensorKind.AttnQ, 0).Values), -0.1, 0.1);
        TestTensor gate = llama.Get(TensorKind.MlpGate, 0);
        Assert.InRange(Reference.Correlation(gate.Values, wider.Get(TensorKind.MlpGate, 0).Values[..gate.Values.Length]), -0.1, 0.1);
    }

    [Fact]
    public void Create_Weights_LookTrainedRatherThanIid()
    {
        TestModel model = TestModels.Create(ModelFamily.Llama, seed: 3);
        TestTensor gate = model.Get(TensorKind.MlpGate, 0);
        double std = Math.Sqrt(gate.Values.ToArray().Average(v => (double)v * v));
        Assert.InRange(std * Math.Sqrt(gate.Columns), 0.7, 1.5);

        double kurtosis = Kurtosis(model.Weights.Where(t => t.Role.IsLinear).SelectMany(t => t.ToArray()).ToArray());
        Assert.True(kurtosis > 3.3, $"kurtosis {kurtosis} shows no heavy tails");

        float[] norm = model.Get(TensorKind.InputNorm, 0).ToArray();
        Assert.InRange(norm.Median(), 0.8, 1.25);
        Assert.True(norm.Max() > 2.5, "no outlier channels");
        Assert.InRange(TestModels.Create(ModelFamily.Gemma).Get(TensorKind.InputNorm, 0).ToArray().Median(), -0.2, 0.25);
    }

    [Fact]
    public void Save_Sharded_HoldsTheSameTensorsAsSingleFile()
    {
        TestModel model = TestModels.Create(ModelFamily.Phi4, dtype: TensorDType.BF16);
        using var directory = new TemporaryDirectory();
        SavedModel sharded = model.Save(directory.Sub("sharded"), shards: 3);
        model.Save(directory.Sub("single"));

        Assert.Equal(3, sharded.WeightFiles.Count);
        Assert.NotNull(sharded.IndexFile);
        using LoadedModel fromShards = ModelLoader.Open(sharded.IndexFile);
        using LoadedModel fromSingle = ModelLoader.Open(directory.Sub("single"));
        Assert.Equal(3, fromShards.Files.Count);
        Assert.Equal(fromSingle.Tensors.Select(t => (t.Name, t.DType, t.ShapeText)), fromShards.Tensors.Select(t => (t.Name, t.DType, t.ShapeText)));
        AssertSameValues(model, fromShards);
        string index = File.ReadAllText(sharded.IndexFile);
        Assert.Contains($"\"total_size\": {model.ParameterCount * 2}", index);
    }

    [Fact]
    public void ReadFloat32_InMemory_ServesStoredLayoutInBlocks()
    {
        TestModel model = TestModels.Create(ModelFamily.Mistral).ToOnnx();
        TensorEntry entry = model.Tensors.First(t => t.Name.StartsWith("onnx::MatMul_", StringComparison.Ordinal));
        TestTensor tensor = model[entry.Name];
        var block = new float[5];

        model.ReadFloat32(entry, entry.RowLength + 2, block);

        Assert.True(tensor.Transposed);
        Assert.Equal(tensor.Columns, entry.Rows);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => tensor[2 + i, 1]), block);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.ReadFloat32(entry, entry.ElementCount - 2, block));
    }

    internal static void AssertSameValues(ITensorSource expected, ITensorSource actual)
    {
        var actualByName = actual.Tensors.ToDictionary(t => t.Name);
        foreach (TensorEntry tensor in expected.Tensors)
        {
            var want = new float[tensor.ElementCount];
            var got = new float[tensor.ElementCount];
            expected.ReadFloat32(tensor, 0, want);
            actual.ReadFloat32(actualByName[tensor.Name], 0, got);
            Assert.Equal(want, got);
        }
    }

    private static double Kurtosis(float[] values)
    {
        double mean = values.Average(v => (double)v);
        double m2 = values.Average(v => Math.Pow(v - mean, 2));
        double m4 = values.Average(v => Math.Pow(v - mean, 4));
        return m4 / (m2 * m2);
    }
}

internal static class Statistics
{
    public static double Median(this float[] values)
    {
        float[] sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
