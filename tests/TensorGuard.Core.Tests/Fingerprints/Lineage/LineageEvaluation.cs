using System.Globalization;
using System.Text;
using TensorGuard.Core.Fingerprints.Lineage;
using TensorGuard.ModelFactory;

namespace TensorGuard.Core.Tests.Fingerprints.Lineage;

/// <summary>Scores of one derivation kind against the pooled negatives.</summary>
public sealed record KindSummary(string Kind, int Positives, double Auc, double TruePositiveRate, double MinimumScore, double MedianScore, double MinimumSimilarity);

/// <summary>
/// ROC evaluation of the lineage method on the factory zoo. Score = −log10 p. Positives: each base against
/// each of its derivations. Negatives: each base against every candidate made from another base (other
/// families and other seeds of its own family, whatever their derivation) and against an independent
/// initialisation of its own shapes. The operating threshold allows a false-positive rate of at most 0.1%
/// (with fewer than 1000 negatives, none at all). Negatives made from one base are not independent draws, so
/// calibration is checked separately, on independent initialisations.
/// </summary>
public sealed class LineageEvaluation
{
    public const double MaxFalsePositiveRate = 0.001;

    private LineageEvaluation(IReadOnlyList<KindSummary> weights, IReadOnlyList<KindSummary> sketches, int negatives, double maxNegative, double maxNegativeSketch)
    {
        Weights = weights;
        Sketches = sketches;
        Negatives = negatives;
        MaxNegativeScore = maxNegative;
        MaxNegativeSketchScore = maxNegativeSketch;
    }

    /// <summary>Candidate weights checked against base sketches.</summary>
    public IReadOnlyList<KindSummary> Weights { get; }

    /// <summary>Candidate sketches checked against base sketches (kinds that need weights left out).</summary>
    public IReadOnlyList<KindSummary> Sketches { get; }

    public int Negatives { get; }

    public double MaxNegativeScore { get; }

    public double MaxNegativeSketchScore { get; }

    public static LineageEvaluation Run(int seedsPerFamily)
    {
        var bases = LineageZoo.Families.SelectMany(f => Enumerable.Range(1, seedsPerFamily).Select(s => LineageZoo.Base(f, s))).ToArray();
        LineageSketch[] baseSketches = bases.Select(b => LineageSketcher.Sketch(b)).ToArray();
        var candidates = new List<(int Base, LineageDerivation? Derivation, LineageCandidate Weights, LineageSketch Sketch)>();
        for (int b = 0; b < bases.Length; b++)
        {
            foreach (LineageDerivation derivation in LineageZoo.Derivations)
            {
                if (derivation.Apply(bases[b]) is { } derived)
                {
                    candidates.Add((b, derivation, new LineageCandidate(derived), LineageSketcher.Sketch(derived)));
                }
            }

            TestModel independent = LineageZoo.Independent(bases[b]);
            candidates.Add((b, null, new LineageCandidate(independent), LineageSketcher.Sketch(independent)));
        }

        var positives = new List<(LineageDerivation Derivation, double Score, double SketchScore, double Similarity)>();
        var negatives = new List<(double Score, double SketchScore)>();
        for (int b = 0; b < bases.Length; b++)
        {
            foreach ((int origin, LineageDerivation? derivation, LineageCandidate weights, LineageSketch sketch) in candidates)
            {
                LineageComparison result = weights.CompareWith(baseSketches[b]);
                double sketchScore = -LineageComparer.Compare(baseSketches[b], sketch).Log10PValue;
                if (origin == b && derivation is not null)
                {
                    positives.Add((derivation, -result.Log10PValue, sketchScore, result.Similarity));
                }
                else if (origin != b || derivation is null)
                {
                    negatives.Add((-result.Log10PValue, sketchScore));
                }
            }
        }

        double[] negativeScores = negatives.Select(n => n.Score).ToArray();
        double[] negativeSketchScores = negatives.Select(n => n.SketchScore).ToArray();
        return new LineageEvaluation(
            Summaries(positives.Select(p => (p.Derivation.Kind, p.Score, p.Similarity)), negativeScores),
            Summaries(positives.Where(p => !p.Derivation.NeedsWeights).Select(p => (p.Derivation.Kind, p.SketchScore, p.Similarity)), negativeSketchScores),
            negatives.Count,
            negativeScores.Max(),
            negativeSketchScores.Max());
    }

    public string Report()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"lineage evaluation: {Negatives} negative pairs, max negative score {MaxNegativeScore:F2} (sketch vs sketch {MaxNegativeSketchScore:F2})");
        Table(text, "candidate weights vs base sketch", Weights);
        Table(text, "candidate sketch vs base sketch", Sketches);
        return text.ToString();
    }

    private static void Table(StringBuilder text, string title, IReadOnlyList<KindSummary> summaries)
    {
        text.AppendLine(CultureInfo.InvariantCulture, $"{title}: score = -log10 p; TPR at FPR <= {MaxFalsePositiveRate:P1}");
        text.AppendLine("  kind                                   n   AUC     TPR     min score   median score  min similarity");
        foreach (KindSummary s in summaries)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {s.Kind,-36} {s.Positives,3}   {s.Auc:F4}  {s.TruePositiveRate,6:P1}  {s.MinimumScore,10:F1}  {s.MedianScore,12:F1}  {s.MinimumSimilarity,8:F3}");
        }

        KindSummary all = Pooled(summaries);
        text.AppendLine(CultureInfo.InvariantCulture, $"  {"all",-36} {all.Positives,3}   {all.Auc:F4}  {all.TruePositiveRate,6:P1}  {all.MinimumScore,10:F1}");
    }

    /// <summary>Pooled AUC and TPR over every kind (weighted by positives).</summary>
    public static KindSummary Pooled(IReadOnlyList<KindSummary> summaries)
    {
        int n = summaries.Sum(s => s.Positives);
        return new KindSummary("all", n, summaries.Sum(s => s.Auc * s.Positives) / n, summaries.Sum(s => s.TruePositiveRate * s.Positives) / n,
            summaries.Min(s => s.MinimumScore), double.NaN, summaries.Min(s => s.MinimumSimilarity));
    }

    private static KindSummary[] Summaries(IEnumerable<(string Kind, double Score, double Similarity)> positives, double[] negatives)
    {
        double threshold = Threshold(negatives);
        return positives.GroupBy(p => p.Kind).Select(g =>
        {
            double[] scores = g.Select(p => p.Score).Order().ToArray();
            double auc = scores.Average(s => negatives.Average(n => s > n ? 1.0 : s == n ? 0.5 : 0.0));
            return new KindSummary(g.Key, scores.Length, auc, scores.Count(s => s > threshold) / (double)scores.Length,
                scores[0], scores[scores.Length / 2], g.Min(p => p.Similarity));
        }).ToArray();
    }

    /// <summary>The score that at most <see cref="MaxFalsePositiveRate"/> of the negatives exceed.</summary>
    private static double Threshold(double[] negatives)
    {
        double[] descending = negatives.OrderDescending().ToArray();
        int allowed = (int)Math.Floor(MaxFalsePositiveRate * descending.Length);
        return descending[Math.Min(allowed, descending.Length - 1)];
    }
}
