using TensorGuard.Core.Fingerprints.Lineage;
using TensorGuard.Core.Formats;
using TensorGuard.ModelFactory;

namespace TensorGuard.Core.Tests.Fingerprints.Lineage;

public sealed class LineageDetectionTests
{
    private static readonly TestModel Llama = LineageZoo.Base(ModelFamily.Llama, 1);
    private static readonly LineageSketch LlamaSketch = LineageSketcher.Sketch(Llama);

    public static TheoryData<string> Kinds() => new(LineageZoo.Derivations.Select(d => d.Kind));

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Compare_DerivedWeights_AreDerivedWithOverwhelmingSignificance(string kind)
    {
        LineageDerivation derivation = LineageZoo.Derivations.Single(d => d.Kind == kind);
        TestModel candidate = derivation.Apply(Llama)!;

        LineageComparison result = LineageComparer.Compare(LlamaSketch, candidate);

        Assert.Equal(LineageVerdict.Derived, result.Verdict);
        Assert.True(result.Log10PValue < -20, $"{kind}: log10 p {result.Log10PValue}");
        Assert.True(result.Similarity > 0.2, $"{kind}: similarity {result.Similarity}");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Compare_DerivedSketch_IsDerivedUnlessTheWeightsAreNeeded(string kind)
    {
        LineageDerivation derivation = LineageZoo.Derivations.Single(d => d.Kind == kind);
        LineageSketch candidate = LineageSketcher.Sketch(derivation.Apply(Llama)!);

        LineageComparison result = LineageComparer.Compare(LlamaSketch, candidate);

        if (!derivation.NeedsWeights)
        {
            Assert.Equal(LineageVerdict.Derived, result.Verdict);
        }
    }

    [Fact]
    public void Compare_HiddenPermutation_IsUndoneFromTheWeights()
    {
        LineageComparison result = LineageComparer.Compare(LlamaSketch, Llama.FineTune(0.05, seed: 2).PermuteHidden(seed: 9));

        Assert.True(result.HiddenPermutationUndone);
        Assert.Equal(LineageVerdict.Derived, result.Verdict);
    }

    public static TheoryData<ModelFamily, int> ZooBases() =>
        new(LineageZoo.Families.SelectMany(family => Enumerable.Range(1, 3).Select(index => (family, index))));

    [Theory]
    [MemberData(nameof(ZooBases))]
    public void Sketch_Anchors_KeepTheirValues_AndUndoAHiddenPermutation(ModelFamily family, int index)
    {
        // An anchor's quantisation scale comes from its largest magnitude. When that value was negative the scale
        // fell back to 1, which rounds every weight to code 0, and the hidden permutation went unfound.
        TestModel model = LineageZoo.Base(family, index);
        LineageSketch sketch = LineageSketcher.Sketch(model);

        Assert.NotEmpty(sketch.Anchors);
        Assert.All(sketch.Anchors, anchor => Assert.True(anchor.Values.ToArray().Count(code => code != 0) > anchor.Values.Length / 2, anchor.View));

        LineageComparison result = new LineageCandidate(model.PermuteHidden(seed: 5)).CompareWith(sketch);
        Assert.True(result.HiddenPermutationUndone);
        Assert.Equal(LineageVerdict.Derived, result.Verdict);
    }

    [Fact]
    public void Compare_IndependentInitOfIdenticalShapes_IsNotDerived()
    {
        LineageComparison result = LineageComparer.Compare(LlamaSketch, LineageZoo.Independent(Llama));

        Assert.Equal(LineageVerdict.NotDerived, result.Verdict);
        Assert.False(result.HiddenPermutationUndone);
        Assert.True(result.Similarity < 0.15, $"similarity {result.Similarity}");
    }

    [Theory]
    [InlineData(ModelFamily.Qwen2)]
    [InlineData(ModelFamily.Gemma)]
    [InlineData(ModelFamily.Phi3)]
    [InlineData(ModelFamily.Mistral)]
    public void Compare_OtherFamily_IsNotDerived(ModelFamily family)
    {
        LineageComparison result = LineageComparer.Compare(LlamaSketch, LineageZoo.Base(family, 1));

        Assert.Equal(LineageVerdict.NotDerived, result.Verdict);
    }

    [Fact]
    public void Compare_ReshardedFiles_AreDerived()
    {
        string directory = Directory.CreateTempSubdirectory("lineage-shards").FullName;
        try
        {
            Llama.FineTune(0.1, seed: 4).Save(directory, shards: 3);
            using LoadedModel model = ModelLoader.Open(directory);

            LineageComparison result = LineageComparer.Compare(LlamaSketch, model);

            Assert.Equal(LineageVerdict.Derived, result.Verdict);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Compare_ReportsEachMatchedTensorAndTheNull()
    {
        LineageComparison result = LineageComparer.Compare(LlamaSketch, Llama.ToOnnx());

        Assert.Equal(LlamaSketch.Views.Count, result.ComparableViews);
        Assert.All(result.Matches.Where(m => m.BaseView.StartsWith("model.layers.", StringComparison.Ordinal)), m => Assert.StartsWith("onnx::", m.CandidateView));
        Assert.Contains(result.Matches, m => m.BaseView.StartsWith("model.layers.0.mlp.down_proj.weight", StringComparison.Ordinal) && m.Similarity > 0.99);
        Assert.Contains("unrelated", LineageComparison.NullHypothesis);
    }

    [Fact]
    public void Compare_NoWeightMatrices_IsInconclusive()
    {
        var empty = new LineageSketch(0, 0, 0, [], []);

        LineageComparison result = LineageComparer.Compare(LlamaSketch, empty);

        Assert.Equal(LineageVerdict.Inconclusive, result.Verdict);
        Assert.Contains("no weight matrix", result.Reason);
    }

    [Fact]
    public void Sketch_RunsAndThreadCounts_GiveIdenticalBytes()
    {
        byte[] first = LineageSketchCodec.Encode(LineageSketcher.Sketch(Llama));
        byte[] single = LineageSketchCodec.Encode(LineageSketcher.Sketch(Llama, maxDegreeOfParallelism: 1));
        byte[] four = LineageSketchCodec.Encode(LineageSketcher.Sketch(Llama, maxDegreeOfParallelism: 4));

        Assert.Equal(first, single);
        Assert.Equal(first, four);
    }

    [Fact]
    public void Sketch_LargestConfiguration_StaysFarBelow512KB()
    {
        // Views, window and anchors are capped, so the size does not grow with the model: this is the cap.
        int window = LineageSettings.FeatureWindow;
        string longName = new('x', 200);
        var view = new SketchedView(longName, 14336, 4096, false, 0.01f, new sbyte[FeatureCorrelations.PairCount(window)]);
        var anchor = new TokenAnchor(longName, Enumerable.Range(0, HiddenAlignment.MaxTokens).ToArray(), 0.01f, new sbyte[window * HiddenAlignment.MaxTokens]);
        var sketch = new LineageSketch(4096, 0, window, Enumerable.Repeat(view, LineageSettings.SketchViews).ToArray(), Enumerable.Repeat(anchor, HiddenAlignment.BaseAnchors).ToArray());

        int bytes = LineageSketchCodec.Encode(sketch).Length;

        Assert.True(bytes < 200 * 1024, $"{bytes} bytes");
    }
}
