using TensorGuard.Core.Classification;

namespace TensorGuard.Core.Tests.Classification;

public sealed class FamilyEvaluationTests
{
    [Fact]
    public void Score_FamilyAbsentFromThePolicy_IsExpectedToBeUnknown()
    {
        var withoutGemma = ReferenceSet.Bases.Where(b => b.Family != "gemma").ToArray();
        var queries = ReferenceSet.Derivatives.Where(d => ReferenceSet.Labels[d.Name] is "gemma" or "phi").ToArray();
        ClassificationRun run = new FamilyClassifier(withoutGemma).Classify(queries);

        FamilyEvaluation evaluation = FamilyEvaluation.Score(run, ReferenceSet.Labels);

        Assert.Equal(queries.Length, evaluation.Correct);
        FamilyScore unknown = evaluation.Families.Single(f => f.Family == FamilyClassification.UnknownFamily);
        Assert.Equal((5, 5, 1.0, 1.0), (unknown.Support, unknown.TruePositives, unknown.Precision, unknown.Recall));
    }

    [Fact]
    public void Score_Misclassification_IsCountedInTheConfusionMatrix()
    {
        ClassificationRun run = new FamilyClassifier(ReferenceSet.Bases).Classify(ReferenceSet.Derivatives.Take(3).ToArray());
        var wrong = run.Results.ToDictionary(r => r.Name, _ => "phi");
        wrong[run.Results[0].Name] = run.Results[0].Family;

        FamilyEvaluation evaluation = FamilyEvaluation.Score(run, wrong);

        Assert.Equal(1, evaluation.Correct);
        Assert.Equal(2, evaluation.Misclassified.Count);
        int phi = evaluation.Classes.ToList().IndexOf("phi");
        Assert.Equal(2, evaluation.Confusion[phi].Sum() - evaluation.Confusion[phi][phi]);
        Assert.Equal(3, evaluation.Confusion.Sum(row => row.Sum()));
        Assert.Null(evaluation.Families.Single(f => f.Family == "phi").Precision);
    }

    [Fact]
    public void FamilyLabels_PublishedFile_HasEveryModel()
    {
        Assert.Equal(33, ReferenceSet.Labels.Count);
        Assert.Equal("llama", ReferenceSet.Labels["email-model"]);
    }

    [Theory]
    [InlineData("name\tfamily\nx\ty\n", "the header must name")]
    [InlineData("model_name\tfamily\nx\n", ":2: expected 2 tab-separated cells")]
    [InlineData("model_name\tfamily\nx\ty\nx\tz\n", ":3: model 'x' is labelled twice")]
    [InlineData("", "labels file is empty")]
    public void FamilyLabels_MalformedFile_IsInvalidInput(string text, string expected)
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, text);

            var error = Assert.Throws<InvalidInputException>(() => FamilyLabels.Read(path));

            Assert.Contains(expected, error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
