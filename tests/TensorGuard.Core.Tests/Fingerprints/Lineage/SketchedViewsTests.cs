using TensorGuard.Core.Fingerprints.Lineage;
using TensorGuard.Core.Formats;

namespace TensorGuard.Core.Tests.Fingerprints.Lineage;

public class SketchedViewsTests
{
    [Fact]
    public void SketchedViews_EnoughContiguousViews_TakesOnlyThose()
    {
        IReadOnlyList<WeightView> views = Views(layers: 8);

        IReadOnlyList<WeightView> picked = LineageSketcher.SketchedViews(views, maxViews: 10);

        Assert.Equal(10, picked.Count);
        Assert.All(picked, view => Assert.True(view.FeaturesAlongRows));
        Assert.Equal(picked.OrderBy(v => views.ToList().IndexOf(v)), picked);
    }

    [Fact]
    public void SketchedViews_FewContiguousViews_FillsWithTheSmallestOthers()
    {
        IReadOnlyList<WeightView> views = Views(layers: 2);
        int contiguous = views.Count(v => v.FeaturesAlongRows);

        IReadOnlyList<WeightView> picked = LineageSketcher.SketchedViews(views, maxViews: contiguous + 2);

        Assert.Equal(contiguous + 2, picked.Count);
        long smallest = views.Where(v => !v.FeaturesAlongRows).Min(v => v.Tensor.ElementCount);
        Assert.All(picked.Where(v => !v.FeaturesAlongRows), view => Assert.Equal(smallest, view.Tensor.ElementCount));
    }

    [Fact]
    public void AnchorTokens_AreRunsOfConsecutiveTokensInTheFirstHalf()
    {
        int[] tokens = HiddenAlignment.AnchorTokens(unitCount: 1000, tokenCount: 256);

        Assert.Equal(256, tokens.Length);
        Assert.Equal(LineageSettings.AnchorRuns, tokens.Zip(tokens.Skip(1)).Count(pair => pair.Second != pair.First + 1) + 1);
        Assert.True(tokens.Max() < 500 + 64);
        Assert.Equal(tokens.Order(), tokens);
    }

    // A Llama layer's projections: q, k, v, gate, up store out × hidden; o and down store hidden × in.
    private static IReadOnlyList<WeightView> Views(int layers)
    {
        var tensors = new List<TensorEntry> { new("model.embed_tokens.weight", TensorDType.F32, [1000, 64], "x") };
        for (int layer = 0; layer < layers; layer++)
        {
            string p = $"model.layers.{layer}.";
            tensors.Add(new(p + "self_attn.q_proj.weight", TensorDType.F32, [64, 64], "x"));
            tensors.Add(new(p + "self_attn.k_proj.weight", TensorDType.F32, [32, 64], "x"));
            tensors.Add(new(p + "self_attn.o_proj.weight", TensorDType.F32, [64, 64], "x"));
            tensors.Add(new(p + "mlp.up_proj.weight", TensorDType.F32, [224, 64], "x"));
            tensors.Add(new(p + "mlp.down_proj.weight", TensorDType.F32, [64, 224], "x"));
        }

        return WeightViews.Enumerate(tensors, hiddenSize: 64, minimumUnits: 16);
    }
}
