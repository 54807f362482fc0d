namespace TensorGuard.Core.Classification;

/// <summary>How well a classification run matches ground-truth labels.</summary>
/// <param name="Total">Models evaluated.</param>
/// <param name="Correct">Models whose family (or <c>unknown</c>) matches the label.</param>
/// <param name="ClusterCorrect">Models whose K-Means cluster belongs to the labelled family.</param>
/// <param name="Families">Precision and recall per family, in <see cref="Classes"/> order.</param>
/// <param name="Classes">Row and column labels of <see cref="Confusion"/>.</param>
/// <param name="Confusion">Counts: row = expected class, column = predicted class.</param>
/// <param name="Misclassified">The models classified wrongly, in input order.</param>
public sealed record FamilyEvaluation(
    int Total,
    int Correct,
    int ClusterCorrect,
    IReadOnlyList<FamilyScore> Families,
    IReadOnlyList<string> Classes,
    IReadOnlyList<IReadOnlyList<int>> Confusion,
    IReadOnlyList<Misclassification> Misclassified)
{
    public double Accuracy => Total == 0 ? 0 : (double)Correct / Total;

    public double ClusterAccuracy => Total == 0 ? 0 : (double)ClusterCorrect / Total;

    /// <summary>
    /// Scores <paramref name="run"/> against <paramref name="labels"/>. A model labelled with a family the
    /// policy does not know is expected to come out <c>unknown</c>.
    /// </summary>
    public static FamilyEvaluation Score(ClassificationRun run, IReadOnlyDictionary<string, string> labels)
    {
        var known = run.Bases.Select(b => b.Family).ToHashSet(StringComparer.Ordinal);
        var familyOfBase = run.Bases.ToDictionary(b => b.Name, b => b.Family, StringComparer.Ordinal);
        var pairs = run.Results
            .Select(result => (Result: result, Expected: known.Contains(labels[result.Name]) ? labels[result.Name] : FamilyClassification.UnknownFamily))
            .ToList();

        var classes = run.Bases.Select(b => b.Family)
            .Concat(pairs.Select(p => p.Expected))
            .Append(FamilyClassification.UnknownFamily)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        var index = classes.Select((name, i) => (name, i)).ToDictionary(pair => pair.name, pair => pair.i, StringComparer.Ordinal);
        var confusion = classes.Select(_ => new int[classes.Count]).ToArray();
        foreach (var (result, expected) in pairs)
        {
            confusion[index[expected]][index[result.Family]]++;
        }

        var scores = classes.Select((name, i) => new FamilyScore(
                name,
                Support: confusion[i].Sum(),
                Predicted: confusion.Sum(row => row[i]),
                TruePositives: confusion[i][i]))
            .ToList();

        return new FamilyEvaluation(
            pairs.Count,
            pairs.Count(p => p.Result.Family == p.Expected),
            pairs.Count(p => familyOfBase[p.Result.Cluster] == p.Expected),
            scores,
            classes,
            confusion,
            pairs.Where(p => p.Result.Family != p.Expected).Select(p => new Misclassification(p.Result.Name, p.Expected, p.Result.Family, p.Result.NearestBase)).ToList());
    }
}

/// <summary>Precision and recall of one class.</summary>
public sealed record FamilyScore(string Family, int Support, int Predicted, int TruePositives)
{
    /// <summary>Share of the models predicted as this family that belong to it; null when none was predicted.</summary>
    public double? Precision => Predicted == 0 ? null : (double)TruePositives / Predicted;

    /// <summary>Share of this family's models found; null when the family had none.</summary>
    public double? Recall => Support == 0 ? null : (double)TruePositives / Support;
}

/// <summary>A model classified wrongly.</summary>
public sealed record Misclassification(string Name, string Expected, string Predicted, string NearestBase);
