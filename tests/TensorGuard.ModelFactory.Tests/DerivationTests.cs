using TensorGuard.Core.Formats;

namespace TensorGuard.ModelFactory.Tests;

public sealed class DerivationTests
{
    private static readonly TestModel Llama = TestModels.Create(ModelFamily.Llama);

    [Theory]
    [InlineData(0.01)]
    [InlineData(0.1)]
    public void FineTune_ChangesEveryTensorByTheRequestedRelativeAmount(double strength)
    {
        TestModel tuned = Llama.FineTune(strength, seed: 5);

        foreach (TestTensor before in Llama.Weights)
        {
            Assert.Equal(strength, Derivations.RelativeChange(before, tuned[before.Name]), strength * 1e-3);
        }

        Assert.Equal(Llama.Weights.Select(t => t.Name), tuned.Weights.Select(t => t.Name));
    }

    [Fact]
    public void FineTune_DeltaIsStructuredNotIid()
    {
        TestTensor before = Llama.Get(TensorKind.MlpUp, 1);
        TestTensor after = Llama.FineTune(0.1).Get(TensorKind.MlpUp, 1);
        double[][] delta = Enumerable.Range(0, before.Rows)
            .Select(r => after.Row(r).Zip(before.Row(r), (x, y) => (double)x - y).ToArray()).ToArray();

        // A low-rank component dominates the first singular directions: a loose tolerance sees few of them.
        Assert.InRange(Reference.Rank(delta, tolerance: 0.75), 1, before.Columns / 2);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(24)]
    public void MergeLora_DeltaHasTheRequestedRank(int rank)
    {
        TestModel merged = Llama.MergeLora(rank, relativeScale: 0.05, seed: 3);

        foreach (TestTensor before in Llama.Weights)
        {
            TestTensor after = merged[before.Name];
            if (!before.Role.IsLinear || before.Role.Kind == TensorKind.LmHead)
            {
                Assert.Equal(before.ToArray(), after.ToArray());
                continue;
            }

            double[][] delta = Enumerable.Range(0, before.Rows)
                .Select(r => after.Row(r).Zip(before.Row(r), (x, y) => (double)x - y).ToArray()).ToArray();
            Assert.Equal(Math.Min(rank, Math.Min(before.Rows, before.Columns)), Reference.Rank(delta));
            Assert.Equal(0.05, Derivations.RelativeChange(before, after), 1e-4);
        }
    }

    [Fact]
    public void MergeLora_AttentionOnly_LeavesMlpUntouched()
    {
        TestModel merged = Llama.MergeLora(4, targets: LoraTargets.Attention);

        Assert.Equal(Llama.Get(TensorKind.MlpUp, 0).ToArray(), merged.Get(TensorKind.MlpUp, 0).ToArray());
        Assert.NotEqual(Llama.Get(TensorKind.AttnV, 0).ToArray(), merged.Get(TensorKind.AttnV, 0).ToArray());
    }

    [Fact]
    public void QuantizeInt8_RoundTripsEachRowWithinHalfAStep()
    {
        TestModel quantized = Llama.QuantizeInt8();

        TestTensor before = Llama.Get(TensorKind.AttnQ, 2);
        TestTensor after = quantized.Get(TensorKind.AttnQ, 2);
        for (int r = 0; r < before.Rows; r++)
        {
            float step = before.Row(r).Max(MathF.Abs) / 127;
            Assert.All(before.Row(r).Zip(after.Row(r)), pair => Assert.InRange(Math.Abs(pair.First - pair.Second), 0, (step / 2) + 1e-7));
            Assert.InRange(after.Row(r).Distinct().Count(), 2, 255);
        }

        Assert.Equal(Llama.Get(TensorKind.InputNorm, 0).ToArray(), quantized.Get(TensorKind.InputNorm, 0).ToArray());
    }

    [Fact]
    public void Quantize4Bit_BlocksHoldAtMostSixteenLevels()
    {
        TestTensor before = Llama.Get(TensorKind.MlpDown, 0);
        TestTensor after = Llama.Quantize4Bit(blockSize: 32).Get(TensorKind.MlpDown, 0);

        float[] values = after.ToArray();
        for (int block = 0; block < values.Length; block += 32)
        {
            Assert.InRange(values.Skip(block).Take(32).Distinct().Count(), 2, 16);
        }

        double relative = Derivations.RelativeChange(before, after);
        Assert.InRange(relative, 0.03, 0.25);
    }

    [Fact]
    public void QuantizeFp8_IsCloseAndCoarse()
    {
        TestTensor before = Llama.Get(TensorKind.AttnO, 1);
        TestTensor after = Llama.QuantizeFp8().Get(TensorKind.AttnO, 1);

        Assert.InRange(Derivations.RelativeChange(before, after), 0.005, 0.06);
        Assert.InRange(after.ToArray().Distinct().Count(), 20, 253);
    }

    [Theory]
    [InlineData(TensorDType.BF16)]
    [InlineData(TensorDType.F16)]
    [InlineData(TensorDType.F8E4M3)]
    public void CastTo_WritesThatDtypeAndReadsBackExactly(TensorDType dtype)
    {
        TestModel cast = Llama.CastTo(dtype);
        using var directory = new TemporaryDirectory();
        cast.Save(directory.Path);

        using LoadedModel loaded = ModelLoader.Open(directory.Path);
        Assert.All(loaded.Tensors, t => Assert.Equal(dtype, t.DType));
        BaseModelTests.AssertSameValues(cast, loaded);
        Assert.Contains(ModelConfigName(dtype), File.ReadAllText(Path.Combine(directory.Path, "config.json")));
        Assert.InRange(Derivations.RelativeChange(Llama.Get(TensorKind.AttnQ, 0), cast.Get(TensorKind.AttnQ, 0)), 1e-5, 0.1);
    }

    [Fact]
    public void MergeLinear_InterpolatesByRole()
    {
        TestModel other = TestModels.Create(ModelFamily.Llama, seed: 9);

        Assert.Equal(Llama.Get(TensorKind.AttnK, 1).ToArray(), Llama.MergeLinear(other, 0).Get(TensorKind.AttnK, 1).ToArray());
        Assert.Equal(other.Get(TensorKind.AttnK, 1).ToArray(), Llama.MergeLinear(other, 1).Get(TensorKind.AttnK, 1).ToArray());
        TestTensor half = Llama.MergeLinear(other, 0.5).Get(TensorKind.AttnK, 1);
        Assert.Equal((Llama.Get(TensorKind.AttnK, 1)[3, 4] + other.Get(TensorKind.AttnK, 1)[3, 4]) / 2, half[3, 4], 1e-6);
    }

    [Fact]
    public void MergeSlerp_KeepsNormsOfOrthogonalTensorsAndEndpoints()
    {
        TestModel other = TestModels.Create(ModelFamily.Llama, seed: 9);
        TestTensor a = Llama.Get(TensorKind.MlpGate, 0);
        TestTensor b = other.Get(TensorKind.MlpGate, 0);

        TestTensor middle = Llama.MergeSlerp(other, 0.5).Get(TensorKind.MlpGate, 0);
        double normA = Norm(a.ToArray());
        double normB = Norm(b.ToArray());
        double lerpNorm = Norm(a.ToArray().Zip(b.ToArray(), (x, y) => (x + y) / 2).ToArray());

        Assert.True(Norm(middle.ToArray()) > lerpNorm * 1.3, "SLERP of near-orthogonal tensors must not shrink like a linear merge");
        Assert.Equal((normA + normB) / 2, Norm(middle.ToArray()), (normA + normB) * 0.05);
        Assert.Equal(a.ToArray(), Llama.MergeSlerp(other, 0).Get(TensorKind.MlpGate, 0).ToArray());
        Assert.Throws<ArgumentException>(() => Llama.MergeSlerp(TestModels.Create(ModelFamily.Qwen2)));
    }

    [Fact]
    public void ExtendAndTruncateVocabulary_ChangeRowsAndConfig()
    {
        TestModel extended = Llama.ExtendVocabulary(32);
        TestModel truncated = Llama.TruncateVocabulary(400);

        Assert.Equal([544, 64], extended.Get(TensorKind.Embedding).Shape);
        Assert.Equal([544, 64], extended.Get(TensorKind.LmHead).Shape);
        Assert.Equal(544, extended.Config!.VocabSize);
        Assert.Equal(Llama.Get(TensorKind.Embedding).Row(511), extended.Get(TensorKind.Embedding).Row(511));
        Assert.Equal([400, 64], truncated.Get(TensorKind.LmHead).Shape);
        Assert.Equal(Llama.Get(TensorKind.LmHead).Row(399), truncated.Get(TensorKind.LmHead).Row(399));
        Assert.Equal(400, truncated.Architecture.VocabSize);
    }

    [Fact]
    public void DropLayers_RenumbersTheFollowingLayers()
    {
        TestModel dropped = Llama.DropLayers(1);

        Assert.Equal(3, dropped.Architecture.Layers);
        Assert.Equal(3, dropped.Config!.NumHiddenLayers);
        Assert.Equal(Llama.Get(TensorKind.AttnQ, 2).ToArray(), dropped["model.layers.1.self_attn.q_proj.weight"].ToArray());
        Assert.Equal(Llama.Get(TensorKind.MlpDown, 3).ToArray(), dropped.Get(TensorKind.MlpDown, 2).ToArray());
        Assert.DoesNotContain(dropped.Weights, t => t.Name.StartsWith("model.layers.3.", StringComparison.Ordinal));
    }

    [Fact]
    public void DuplicateLayers_InsertsACopyAfterTheLayer()
    {
        TestModel duplicated = Llama.DuplicateLayers(0, 2);

        Assert.Equal(6, duplicated.Architecture.Layers);
        int[] sources = [0, 0, 1, 2, 2, 3];
        for (int layer = 0; layer < sources.Length; layer++)
        {
            Assert.Equal(Llama.Get(TensorKind.MlpUp, sources[layer]).ToArray(), duplicated.Get(TensorKind.MlpUp, layer).ToArray());
        }
    }

    [Fact]
    public void Rename_Gguf_UsesLlamaCppNames()
    {
        TestModel gguf = TestModels.Create(ModelFamily.Gemma).Rename(TensorNaming.Gguf);
        string[] names = gguf.Weights.Select(t => t.Name).ToArray();

        Assert.Contains("token_embd.weight", names);
        Assert.Contains("output_norm.weight", names);
        Assert.Contains("blk.3.attn_q.weight", names);
        Assert.Contains("blk.0.ffn_gate.weight", names);
        Assert.Contains("blk.0.post_attention_norm.weight", names);
        Assert.Contains("blk.0.ffn_norm.weight", names);
        Assert.Contains("blk.0.post_ffw_norm.weight", names);
        Assert.Equal(TestModels.Create(ModelFamily.Gemma).Get(TensorKind.AttnQ, 3).ToArray(), gguf["blk.3.attn_q.weight"].ToArray());
    }

    [Fact]
    public void ToOnnx_StoresMatMulWeightsTransposedUnderAnonymousNames()
    {
        TestModel onnx = Llama.ToOnnx(seed: 4);
        using var directory = new TemporaryDirectory();
        onnx.Save(directory.Path);
        using LoadedModel loaded = ModelLoader.Open(directory.Path);

        TensorEntry[] matMuls = loaded.Tensors.Where(t => t.Name.StartsWith("onnx::MatMul_", StringComparison.Ordinal)).ToArray();
        Assert.Equal(Llama.Weights.Count(t => t.Role.IsLinear), matMuls.Length);
        TestTensor q0 = onnx.Get(TensorKind.AttnQ, 0);
        Assert.Equal([64L, 64L], loaded.Tensors.Single(t => t.Name == q0.Name).Shape);
        TestTensor k0 = onnx.Get(TensorKind.AttnK, 0);
        Assert.Equal([64L, 32L], loaded.Tensors.Single(t => t.Name == k0.Name).Shape);
        Assert.Contains(loaded.Tensors, t => t.Name == "model.embed_tokens.weight");
        BaseModelTests.AssertSameValues(onnx, loaded);
    }

    [Fact]
    public void PermuteMlpNeurons_IsATruePermutationThatPreservesTheFunction()
    {
        foreach (ModelFamily family in new[] { ModelFamily.Llama, ModelFamily.Phi3 })
        {
            TestModel model = TestModels.Create(family);
            TestModel permuted = model.PermuteMlpNeurons(seed: 11);
            float[] x = Reference.RandomVector(model.Architecture.HiddenSize, 1);

            for (int layer = 0; layer < model.Architecture.Layers; layer++)
            {
                double[] expected = Reference.Mlp(model, layer, x);
                double[] actual = Reference.Mlp(permuted, layer, x);
                Assert.All(expected.Zip(actual), pair => Assert.Equal(pair.First, pair.Second, 1e-4));
                TestTensor down = permuted.Get(TensorKind.MlpDown, layer);
                Assert.NotEqual(model.Get(TensorKind.MlpDown, layer).ToArray(), down.ToArray());
                Assert.Equal(model.Get(TensorKind.MlpDown, layer).ToArray().Order(), down.ToArray().Order());
            }
        }
    }

    [Fact]
    public void PermuteMlpNeurons_MovesRowsAsDocumented()
    {
        int[] order = Derivations.MlpPermutation(11, 2, Llama.Architecture.IntermediateSize);
        TestModel permuted = Llama.PermuteMlpNeurons(seed: 11);

        Assert.Equal(Enumerable.Range(0, order.Length), order.Order());
        Assert.Equal(Llama.Get(TensorKind.MlpGate, 2).Row(order[5]), permuted.Get(TensorKind.MlpGate, 2).Row(5));
        Assert.Equal(Llama.Get(TensorKind.MlpUp, 2).Row(order[5]), permuted.Get(TensorKind.MlpUp, 2).Row(5));
    }

    [Theory]
    [InlineData(ModelFamily.Gemma)]
    [InlineData(ModelFamily.Phi4)]
    public void PermuteHidden_PermutesEveryResidualTensorConsistently(ModelFamily family)
    {
        TestModel model = TestModels.Create(family);
        TestModel permuted = model.PermuteHidden(seed: 2);
        int[] order = Derivations.HiddenPermutation(2, model.Architecture.HiddenSize);
        float[] x = Reference.RandomVector(model.Architecture.HiddenSize, 3);
        float[] xPermuted = order.Select(i => x[i]).ToArray();

        for (int layer = 0; layer < model.Architecture.Layers; layer++)
        {
            TestTensor norm = model.Get(TensorKind.PostAttentionNorm, layer);
            double[] expected = Reference.Mlp(model, layer, Reference.RmsNorm(model, norm, x));
            double[] actual = Reference.Mlp(permuted, layer, Reference.RmsNorm(permuted, permuted.Get(TensorKind.PostAttentionNorm, layer), xPermuted));
            Assert.All(order.Select((source, i) => (expected[source], actual[i])), pair => Assert.Equal(pair.Item1, pair.Item2, 1e-4));
        }

        foreach (TensorKind kind in new[] { TensorKind.AttnQ, TensorKind.AttnQkv })
        {
            if (model.Find(kind, 0) is { } projection)
            {
                Assert.Equal(Reference.Apply(projection, x), Reference.Apply(permuted.Get(kind, 0), xPermuted), new Tolerance(1e-4));
            }
        }

        TestTensor output = permuted.Get(TensorKind.AttnO, 1);
        float[] heads = Reference.RandomVector(output.Columns, 4);
        double[] written = Reference.Apply(model.Get(TensorKind.AttnO, 1), heads);
        Assert.Equal(order.Select(i => written[i]), Reference.Apply(output, heads), new Tolerance(1e-6));
        Assert.Equal(order.Select(i => model.Get(TensorKind.Embedding)[7, i]), permuted.Get(TensorKind.Embedding).Row(7));
        Assert.Equal(order.Select(i => model.Get(TensorKind.FinalNorm).Values[i]), permuted.Get(TensorKind.FinalNorm).ToArray());
    }

    [Fact]
    public void RotaryPermutation_MatchesLlamaCppReshape()
    {
        // One head of width 8: reshape(1, 2, 4).swapaxes(1, 2) interleaves the two halves.
        Assert.Equal([0, 4, 1, 5, 2, 6, 3, 7], Derivations.RotaryPermutation(1, 8));
        Assert.Equal([0, 2, 1, 3, 4, 6, 5, 7], Derivations.RotaryPermutation(2, 4));
    }

    [Theory]
    [InlineData(ModelFamily.Llama)]
    [InlineData(ModelFamily.Qwen2)]
    public void PermuteRotaryForGguf_IsInvertibleAndTouchesOnlyQueryAndKey(ModelFamily family)
    {
        TestModel model = TestModels.Create(family);
        TestModel permuted = model.PermuteRotaryForGguf();
        TestModel restored = permuted.UnpermuteRotaryFromGguf();

        BaseModelTests.AssertSameValues(model, restored);
        Assert.NotEqual(model.Get(TensorKind.AttnQ, 0).ToArray(), permuted.Get(TensorKind.AttnQ, 0).ToArray());
        Assert.NotEqual(model.Get(TensorKind.AttnK, 0).ToArray(), permuted.Get(TensorKind.AttnK, 0).ToArray());
        Assert.Equal(model.Get(TensorKind.AttnV, 0).ToArray(), permuted.Get(TensorKind.AttnV, 0).ToArray());
        Assert.Throws<InvalidOperationException>(() => TestModels.Create(ModelFamily.Phi3).PermuteRotaryForGguf());
    }

    [Fact]
    public void ToGguf_PermutesLlamaButNotQwen()
    {
        Assert.NotEqual(Llama.Get(TensorKind.AttnQ, 0).ToArray(), Llama.ToGguf()["blk.0.attn_q.weight"].ToArray());
        TestModel qwen = TestModels.Create(ModelFamily.Qwen2);
        Assert.Equal(qwen.Get(TensorKind.AttnQ, 0).ToArray(), qwen.ToGguf()["blk.0.attn_q.weight"].ToArray());
    }

    [Fact]
    public void Reinitialize_KeepsShapesAndNamesWithIndependentWeights()
    {
        TestModel tuned = Llama.FineTune(0.05);
        TestModel independent = tuned.Reinitialize(seed: 42);

        Assert.Equal(tuned.Tensors.Select(t => (t.Name, t.ShapeText)), independent.Tensors.Select(t => (t.Name, t.ShapeText)));
        BaseModelTests.AssertSameValues(TestModels.Create(ModelFamily.Llama, seed: 42), independent);
        Assert.InRange(Reference.Correlation(tuned.Get(TensorKind.AttnQ, 0).Values, independent.Get(TensorKind.AttnQ, 0).Values), -0.1, 0.1);
    }

    [Fact]
    public void Derivations_Compose_AndRecordTheirHistory()
    {
        TestModel derived = Llama.FineTune(0.05).QuantizeInt8().DropLayers(3).PermuteMlpNeurons().ToGguf().CastTo(TensorDType.BF16);
        using var directory = new TemporaryDirectory();
        derived.Save(directory.Path, shards: 2);

        using LoadedModel loaded = ModelLoader.Open(directory.Path);
        Assert.Contains(loaded.Tensors, t => t.Name == "blk.2.ffn_down.weight");
        Assert.DoesNotContain(loaded.Tensors, t => t.Name.StartsWith("blk.3.", StringComparison.Ordinal));
        BaseModelTests.AssertSameValues(derived, loaded);
        Assert.Equal(8, derived.History.Count);
        Assert.StartsWith("Llama base (seed 1", derived.History[0], StringComparison.Ordinal);
    }

    [Fact]
    public void FineTune_SameSeedOnUnrelatedModels_GivesUnrelatedUpdates()
    {
        TestModel other = TestModels.Create(ModelFamily.Llama, seed: 2);
        TestTensor a = Llama.Get(TensorKind.AttnQ, 0);
        TestTensor b = other.Get(TensorKind.AttnQ, 0);
        float[] deltaA = Llama.FineTune(0.1, seed: 3).Get(TensorKind.AttnQ, 0).ToArray().Zip(a.ToArray(), (x, y) => x - y).ToArray();
        float[] deltaB = other.FineTune(0.1, seed: 3).Get(TensorKind.AttnQ, 0).ToArray().Zip(b.ToArray(), (x, y) => x - y).ToArray();

        Assert.InRange(Reference.Correlation(deltaA, deltaB), -0.1, 0.1);
    }

    private static string ModelConfigName(TensorDType dtype) => dtype switch
    {
        TensorDType.BF16 => "bfloat16",
        TensorDType.F16 => "float16",
        _ => "float8_e4m3fn",
    };

    private static double Norm(float[] values) => Math.Sqrt(values.Sum(v => (double)v * v));
}
