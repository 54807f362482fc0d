namespace TensorGuard.Testing.Tests;

public sealed class LineageZooTests
{
    [Fact]
    public void Positives_CoverEveryDerivationOfTheLineageIssue()
    {
        TestModel parent = TestModels.Create(ModelFamily.Qwen2, seed: 5);
        IReadOnlyList<LineageCase> positives = LineageZoo.Positives(parent);

        string[] kinds = ["fine-tune", "merged LoRA", "int8", "4-bit", "fp8", "cast", "linear merge", "SLERP merge", "vocabulary", "layers", "renamed", "permuted", "combined"];
        Assert.Equal(kinds, positives.Select(c => c.Kind).Distinct());
        Assert.All(positives, c => Assert.True(c.Derived));
        Assert.Equal(2, positives.Select(c => c.Parent.Id).Distinct().Count());
        foreach (LineageCase positive in positives)
        {
            TestModel candidate = positive.Create();
            Assert.False(Identical(positive.Parent, candidate), positive.ToString());
            Assert.True(candidate.History.Count > 1, positive.ToString());
        }
    }

    private static bool Identical(TestModel a, TestModel b) =>
        a.Weights.Select(t => t.Name).SequenceEqual(b.Weights.Select(t => t.Name))
        && a.Weights.All(t => t.Values.SequenceEqual(b[t.Name].Values));

    [Fact]
    public void Negatives_AreIndependentModelsAndOtherFamilies()
    {
        TestModel parent = TestModels.Create(ModelFamily.Llama, seed: 5);
        IReadOnlyList<LineageCase> negatives = LineageZoo.Negatives(parent, independentSeeds: 2);

        Assert.All(negatives, c => Assert.False(c.Derived));
        Assert.Equal(5, negatives.Count(c => c.Kind == "independent"));
        Assert.Equal(5, negatives.Count(c => c.Kind == "other family"));
        TestTensor q = parent.Get(TensorKind.AttnQ, 1);
        foreach (LineageCase negative in negatives.Where(c => c.Kind == "independent"))
        {
            TestTensor other = negative.Create().Get(TensorKind.AttnQ, 1);
            float[] logical = other.ToArray();
            Assert.InRange(Reference.Correlation(q.Values, logical), -0.1, 0.1);
        }
    }
}
