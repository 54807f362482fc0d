using TensorGuard.Core.Classification;

namespace TensorGuard.Core.Tests.Classification;

public sealed class FamilyClassifierTests
{
    [Fact]
    public void Classify_PublishedDerivatives_MeetsTheAccuracyFloor()
    {
        ClassificationRun run = new FamilyClassifier(ReferenceSet.Bases).Classify(ReferenceSet.Derivatives);

        FamilyEvaluation evaluation = FamilyEvaluation.Score(run, ReferenceSet.Labels);

        Assert.Equal(25, evaluation.Total);
        Assert.True(evaluation.Accuracy >= 0.96, $"accuracy {evaluation.Accuracy:P1}; misclassified: {string.Join(", ", evaluation.Misclassified.Select(m => m.Name))}");

        // With bases only, the unknown threshold rests on two within-family pairs: one outlying derivative
        // (SmallThinker's kurtosis) may fall beyond it, but none may be given another known family.
        Assert.All(run.Results, r => Assert.True(r.Unknown || r.Family == ReferenceSet.Labels[r.Name], r.Name));
    }

    [Fact]
    public void Classify_PaperMethod_ReproducesTheReferenceLevel()
    {
        ClassificationRun run = new FamilyClassifier(ReferenceSet.Bases, ClassifierMethod.Paper).Classify(ReferenceSet.Derivatives);

        FamilyEvaluation evaluation = FamilyEvaluation.Score(run, ReferenceSet.Labels);

        // The reference procedure reaches about 91-93% on this set; ours must not be worse than it.
        Assert.InRange(evaluation.Accuracy, 0.88, 0.96);
        Assert.Equal(FamilyClassifier.PaperUnknownThreshold, run.UnknownThreshold);
        Assert.DoesNotContain("total_params", run.Space.Names);
        Assert.Contains("global_mean", run.Space.Names);
    }

    [Fact]
    public void Classify_TensorGuardMethod_AModelsVerdictDoesNotDependOnTheBatch()
    {
        var classifier = new FamilyClassifier(ReferenceSet.Bases);
        ClassificationRun batch = classifier.Classify(ReferenceSet.Derivatives);

        foreach (FamilyClassification together in batch.Results)
        {
            FamilyClassification alone = classifier.Classify([ReferenceSet.Derivative(together.Name)]).Results.Single();
            Assert.Equal(together with { Cluster = alone.Cluster, Distances = alone.Distances }, alone);
            Assert.Equal(together.Distances, alone.Distances);
        }
    }

    [Fact]
    public void Classify_TensorGuardMethod_UsesSpreadAndShapeStatisticsOnly()
    {
        ClassificationRun run = new FamilyClassifier(ReferenceSet.Bases).Classify(ReferenceSet.Derivatives);

        Assert.NotEmpty(run.Space.Names);
        Assert.All(run.Space.Names, name => Assert.True(FeatureSpace.IsShapeStatistic(name), name));
        Assert.All(run.Space.Weights, w => Assert.True(double.IsFinite(w) && w > 0, w.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void Classify_TensorGuardMethod_WeighsFeaturesByTheirWithinFamilySpread()
    {
        FeatureSpace space = new FamilyClassifier(ReferenceSet.Bases).Classify([]).Space;
        var onePerFamily = ReferenceSet.Bases.GroupBy(b => b.Family).Select(g => g.First()).ToArray();
        FeatureSpace unmeasured = new FamilyClassifier(onePerFamily).Classify([]).Space;

        // The embedding spread follows the vocabulary, which a family keeps across sizes; the attention norm
        // grows with the hidden width, which it does not.
        Assert.True(Weight(space, "embedding_std") > Weight(space, "attention_norm"));

        // No family with two labelled models measures a spread: every feature keeps the total variance.
        Assert.All(unmeasured.Weights, w => Assert.Equal(1, w, 12));
    }

    private static double Weight(FeatureSpace space, string name) => space.Weights[space.Names.ToList().IndexOf(name)];

    [Fact]
    public void Classify_Result_ReportsDistancesToEveryBaseAndAConfidence()
    {
        FamilyClassification result = new FamilyClassifier(ReferenceSet.Bases).Classify([ReferenceSet.Derivative("microsoft_Phi-4-reasoning")]).Results.Single();

        Assert.Equal(("phi", "phi-4", "phi"), (result.Family, result.NearestBase, result.NearestFamily));
        Assert.Equal(ReferenceSet.Bases.Select(b => b.Name), result.Distances.Keys);
        Assert.Equal(result.Distances.Values.Min(), result.Distance);
        Assert.InRange(result.Confidence, 0.9, 1.0);
        Assert.False(result.Unknown);
    }

    [Fact]
    public void Classify_FamilyMissingFromThePolicy_IsUnknown()
    {
        // Leave one family out: gemma's fingerprints are unlike every remaining base.
        var withoutGemma = ReferenceSet.Bases.Where(b => b.Family != "gemma").ToArray();
        var gemma = ReferenceSet.Derivatives.Where(d => ReferenceSet.Labels[d.Name] == "gemma").ToArray();

        ClassificationRun run = new FamilyClassifier(withoutGemma).Classify(gemma);

        Assert.All(run.Results, r => Assert.Equal((FamilyClassification.UnknownFamily, true), (r.Family, r.Unknown)));
        Assert.All(run.Results, r => Assert.True(r.Distance > run.UnknownThreshold));
    }

    [Fact]
    public void Classify_UnknownThreshold_IsTheWidestWithinFamilySpreadOfTheBases()
    {
        var classifier = new FamilyClassifier(ReferenceSet.Bases);
        ClassificationRun run = classifier.Classify([]);

        double widest = 0;
        for (int i = 0; i < run.Bases.Count; i++)
        {
            for (int j = i + 1; j < run.Bases.Count; j++)
            {
                if (run.Bases[i].Family == run.Bases[j].Family)
                {
                    widest = Math.Max(widest, run.Space.Distance(run.BasePoints[i], run.BasePoints[j]));
                }
            }
        }

        Assert.Equal(widest, run.UnknownThreshold);
    }

    [Fact]
    public void Classify_NoFamilyWithTwoBases_FallsBackToAChiSquareThreshold()
    {
        var onePerFamily = ReferenceSet.Bases.GroupBy(b => b.Family).Select(g => g.First()).ToArray();

        ClassificationRun run = new FamilyClassifier(onePerFamily).Classify([ReferenceSet.Derivative("microsoft_Phi-4-reasoning")]);

        // 99th percentile of χ² with k degrees of freedom lies between k and k + 4√(2k) for these k.
        int k = run.Space.Names.Count;
        Assert.InRange(run.UnknownThreshold * run.UnknownThreshold, k, k + (4 * Math.Sqrt(2 * k)));
        Assert.Equal("phi", run.Results.Single().Family);
    }

    [Fact]
    public void Classify_QueryLackingALayerType_IsStillClassifiedOnTheRest()
    {
        NamedFeatures full = ReferenceSet.Derivative("unsloth_Llama-3.2-3B");
        NamedFeatures partial = ReferenceSet.Without(full, name => name.StartsWith("embedding_", StringComparison.Ordinal));
        var classifier = new FamilyClassifier(ReferenceSet.Bases);

        FamilyClassification result = classifier.Classify([partial]).Results.Single();

        Assert.Equal("llama", result.Family);
        Assert.True(double.IsFinite(result.Distance));
    }

    [Fact]
    public void Classify_BaseLackingALayerType_StillScalesThatFeatureOnTheOthers()
    {
        var bases = ReferenceSet.Bases.Select((b, i) => i == 0
            ? b with { Features = b.Features.Where(p => !p.Key.StartsWith("ffn_", StringComparison.Ordinal)).ToDictionary(p => p.Key, p => p.Value) }
            : b).ToArray();

        ClassificationRun run = new FamilyClassifier(bases).Classify(ReferenceSet.Derivatives);

        Assert.Contains("ffn_std", run.Space.Names);
        Assert.True(FamilyEvaluation.Score(run, ReferenceSet.Labels).Accuracy >= 0.9);
    }

    [Fact]
    public void Classify_NonPositiveMagnitude_IsInvalidInput()
    {
        NamedFeatures query = ReferenceSet.Derivative("s1.1-3B");
        var broken = query with { Features = new Dictionary<string, double>(query.Features) { ["global_std"] = 0 } };

        var error = Assert.Throws<InvalidInputException>(() => new FamilyClassifier(ReferenceSet.Bases).Classify([broken]));

        Assert.Contains("s1.1-3B: feature global_std is 0", error.Message);
    }

    [Fact]
    public void Create_FewerThanTwoBases_IsInvalidInput()
    {
        var error = Assert.Throws<InvalidInputException>(() => new FamilyClassifier(ReferenceSet.Bases.Take(1).ToArray()));

        Assert.Contains("needs at least two", error.Message);
    }

    [Fact]
    public void Classify_IdenticalBases_IsInvalidInput()
    {
        var twins = new[] { ReferenceSet.Bases[0], ReferenceSet.Bases[0] with { Name = "twin", Family = "other" } };

        var error = Assert.Throws<InvalidInputException>(() => new FamilyClassifier(twins).Classify([]));

        Assert.Contains("no feature in common that varies", error.Message);
    }

    [Fact]
    public void FeatureSpace_ShapeStatistics_ExcludeMeansAndCounts()
    {
        Assert.True(FeatureSpace.IsShapeStatistic("attention_norm"));
        Assert.True(FeatureSpace.IsShapeStatistic("global_kurtosis"));
        Assert.False(FeatureSpace.IsShapeStatistic("global_mean"));
        Assert.False(FeatureSpace.IsShapeStatistic("total_params"));
        Assert.False(FeatureSpace.IsShapeStatistic("num_layers"));
    }
}
