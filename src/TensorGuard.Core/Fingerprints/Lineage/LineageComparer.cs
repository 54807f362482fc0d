using System.Collections.Concurrent;
using System.Numerics.Tensors;
using TensorGuard.Core.Formats;

namespace TensorGuard.Core.Fingerprints.Lineage;

/// <summary>Decides whether a candidate derives from a base, from sketches or from the candidate's weights.</summary>
public static class LineageComparer
{
    private static readonly double Log10E = Math.Log10(Math.E);

    private static readonly ConcurrentDictionary<int, int[][]> RelabelingsBySize = new();

    /// <summary>Compares a candidate's full weights with a base sketch (see <see cref="LineageCandidate"/>).</summary>
    /// <exception cref="ModelFormatException">A candidate tensor cannot be read.</exception>
    public static LineageComparison Compare(LineageSketch baseSketch, ITensorSource candidate) =>
        new LineageCandidate(candidate).CompareWith(baseSketch);

    /// <summary>
    /// Matches every base view with the candidate view whose feature correlations agree best (names and
    /// order play no part, so renamed, transposed, re-sharded or re-layered candidates match), turns each
    /// best agreement into a p-value under the null of unrelated weights, and combines them.
    /// </summary>
    public static LineageComparison Compare(LineageSketch baseSketch, LineageSketch candidate)
    {
        ArgumentNullException.ThrowIfNull(baseSketch);
        ArgumentNullException.ThrowIfNull(candidate);
        if (baseSketch.Views.Count == 0 || candidate.Views.Count == 0)
        {
            return Unmatched(LineageVerdict.Inconclusive, candidate.Views.Count,
                baseSketch.Views.Count == 0 ? "the base has no weight matrix to compare" : "the candidate has no weight matrix to compare");
        }

        if (baseSketch.HiddenSize != candidate.HiddenSize || baseSketch.WindowOffset != candidate.WindowOffset || baseSketch.WindowSize != candidate.WindowSize)
        {
            return Unmatched(LineageVerdict.NotDerived, candidate.Views.Count,
                $"the candidate's hidden size {candidate.HiddenSize} differs from the base's {baseSketch.HiddenSize}; no derivation in scope changes the residual width");
        }

        float[][] baseVectors = baseSketch.Views.Select(Standardize).ToArray();
        float[][] candidateVectors = candidate.Views.Select(Standardize).ToArray();
        int[][] relabelings = RelabelingsBySize.GetOrAdd(baseSketch.WindowSize, Relabelings);
        int pairs = baseSketch.PairCount;
        double analyticSd = 1.0 / Math.Sqrt(Math.Max(1, pairs - 3));
        double logCandidates = Math.Log(candidate.Views.Count);
        var matches = new LineageMatch[baseVectors.Length];
        var logPValues = new double[baseVectors.Length];
        for (int b = 0; b < baseVectors.Length; b++)
        {
            int best = 0;
            float bestSimilarity = float.NegativeInfinity;
            for (int c = 0; c < candidateVectors.Length; c++)
            {
                float similarity = TensorPrimitives.Dot(baseVectors[b], candidateVectors[c]);
                if (similarity > bestSimilarity)
                {
                    (best, bestSimilarity) = (c, similarity);
                }
            }

            // The empirical spread can only widen the null, so it is not needed where the analytic one already gives p = 1.
            double fisherZ = Math.Atanh(Math.Clamp(bestSimilarity, -0.999999, 0.999999));
            double z = fisherZ / analyticSd;
            if (logCandidates + Significance.LogUpperTail(z) < 0)
            {
                z = fisherZ / Math.Max(analyticSd, NullRootMeanSquare(baseVectors[b], candidateVectors[best], relabelings));
            }

            logPValues[b] = Math.Min(0, logCandidates + Significance.LogUpperTail(z));
            matches[b] = new LineageMatch(baseSketch.Views[b].Description, candidate.Views[best].Description, bestSimilarity, z, logPValues[b] * Log10E);
        }

        double log10P = Significance.LogHommel(logPValues) * Log10E;
        double meanSimilarity = matches.Average(m => m.Similarity);
        LineageMatch[] ordered = matches.OrderByDescending(m => m.ZScore).ThenBy(m => m.BaseView, StringComparer.Ordinal).ToArray();
        (LineageVerdict verdict, string reason) = Decide(log10P, matches.Length);
        return new LineageComparison(verdict, meanSimilarity, log10P, matches.Length, candidate.Views.Count, reason, ordered);
    }

    private static (LineageVerdict Verdict, string Reason) Decide(double log10P, int comparable)
    {
        if (comparable < LineageSettings.MinimumComparableViews)
        {
            return (LineageVerdict.Inconclusive, $"only {comparable} weight views were comparable and at least {LineageSettings.MinimumComparableViews} are needed: the model is too small for the statistics to decide; only exact identity of the weights can settle it");
        }

        string evidence = $"p = 10^{log10P:F1} under the null of unrelated weights";
        return log10P <= Math.Log10(LineageSettings.DerivedPValue)
            ? (LineageVerdict.Derived, $"{evidence} (threshold {LineageSettings.DerivedPValue:0e0})")
            : log10P > Math.Log10(LineageSettings.NotDerivedPValue)
                ? (LineageVerdict.NotDerived, $"{evidence} is above {LineageSettings.NotDerivedPValue:0e0}")
                : (LineageVerdict.Inconclusive, $"{evidence} lies between {LineageSettings.DerivedPValue:0e0} and {LineageSettings.NotDerivedPValue:0e0}");
    }

    private static LineageComparison Unmatched(LineageVerdict verdict, int candidateViews, string reason) =>
        new(verdict, 0, 0, 0, candidateViews, reason, []);

    /// <summary>Dequantized correlations, centred and scaled to unit length, so a dot product is a Pearson correlation.</summary>
    private static float[] Standardize(SketchedView view)
    {
        ReadOnlySpan<sbyte> stored = view.Correlations.Span;
        var vector = new float[stored.Length];
        for (int i = 0; i < vector.Length; i++)
        {
            vector[i] = stored[i];
        }

        TensorPrimitives.Subtract(vector, TensorPrimitives.Sum(vector) / vector.Length, vector);
        float norm = TensorPrimitives.Norm(vector);
        if (norm > 0f)
        {
            TensorPrimitives.Divide(vector, norm, vector);
        }

        return vector;
    }

    /// <summary>
    /// Root mean square of the base's similarity with the candidate's correlations under seeded relabelings
    /// of the window's features: unrelated features that keep the candidate's structure (outlier features,
    /// rank deficiency, dependence between pairs), hence an empirical null for this very pair of views.
    /// </summary>
    private static double NullRootMeanSquare(float[] baseVector, float[] candidateVector, int[][] relabelings)
    {
        var relabeled = new float[candidateVector.Length];
        double sumOfSquares = 0;
        foreach (int[] map in relabelings)
        {
            for (int i = 0; i < map.Length; i++)
            {
                relabeled[i] = candidateVector[map[i]];
            }

            double similarity = Math.Atanh(Math.Clamp(TensorPrimitives.Dot(baseVector, relabeled), -0.999999f, 0.999999f));
            sumOfSquares += similarity * similarity;
        }

        return Math.Sqrt(sumOfSquares / relabelings.Length);
    }

    /// <summary>For each seeded permutation σ of the window, the pair index of (σ(i), σ(j)) for every pair (i, j).</summary>
    private static int[][] Relabelings(int windowSize)
    {
        var maps = new int[LineageSettings.NullRelabelings][];
        var random = new SplitMix64(0x6C696E65616765UL);
        var permutation = new int[windowSize];
        for (int r = 0; r < maps.Length; r++)
        {
            for (int i = 0; i < windowSize; i++)
            {
                permutation[i] = i;
            }

            for (int i = windowSize - 1; i > 0; i--)
            {
                int j = (int)random.NextBelow((ulong)i + 1);
                (permutation[i], permutation[j]) = (permutation[j], permutation[i]);
            }

            var map = new int[FeatureCorrelations.PairCount(windowSize)];
            int pair = 0;
            for (int i = 0; i < windowSize; i++)
            {
                for (int j = i + 1; j < windowSize; j++)
                {
                    map[pair++] = PairIndex(permutation[i], permutation[j], windowSize);
                }
            }

            maps[r] = map;
        }

        return maps;
    }

    private static int PairIndex(int a, int b, int windowSize)
    {
        (int i, int j) = a < b ? (a, b) : (b, a);
        return (i * ((2 * windowSize) - i - 1) / 2) + (j - i - 1);
    }
}
