using System.Numerics.Tensors;
using TensorGuard.Core.Formats;

namespace TensorGuard.Core.Fingerprints.Lineage;

/// <summary>
/// Undoes a permutation of the hidden (residual) dimension: finds, in a candidate's weights, the hidden
/// feature that carries each of the base's window features, by correlating the values of anchor tokens.
/// </summary>
public static class HiddenAlignment
{
    /// <summary>Anchored views per base sketch.</summary>
    public const int BaseAnchors = 2;

    /// <summary>Candidate views tried against each anchor.</summary>
    public const int CandidateAnchors = 3;

    /// <summary>Tokens per anchor at most.</summary>
    public const int MaxTokens = 256;

    /// <summary>Fewest tokens that make an alignment meaningful.</summary>
    public const int MinTokens = 16;

    /// <summary>Window features the screen (<see cref="MayAlign"/>) looks for, evenly spaced over the window.</summary>
    public const int ScreenFeatures = 16;

    /// <summary>
    /// The screen's threshold as a share of <see cref="Align"/>'s: low enough that a candidate whose window the full
    /// alignment finds always passes (docs/catalogue.md gives the measured qualities and miss rate).
    /// </summary>
    public const double ScreenShare = 0.5;

    /// <summary>
    /// The views most likely to be indexed by token: those whose shape repeats least in the model (an embedding
    /// or LM head occurs once or twice, a layer's weights once per layer), then those with most units.
    /// </summary>
    public static IReadOnlyList<WeightView> AnchorViews(IReadOnlyList<WeightView> views, int count)
    {
        ArgumentNullException.ThrowIfNull(views);
        var shapeCounts = views.GroupBy(v => (v.UnitCount, v.FeatureCount, v.FeaturesAlongRows))
            .ToDictionary(g => g.Key, g => g.Count());
        return views
            .Select((view, index) => (view, index))
            .OrderBy(p => shapeCounts[(p.view.UnitCount, p.view.FeatureCount, p.view.FeaturesAlongRows)])
            .ThenByDescending(p => p.view.UnitCount)
            .ThenBy(p => p.index)
            .Take(count)
            .Select(p => p.view)
            .ToArray();
    }

    /// <summary>Anchors the base's window on its most token-like views.</summary>
    public static IReadOnlyList<TokenAnchor> Anchor(ITensorSource source, IReadOnlyList<WeightView> views, IReadOnlyList<int> window)
    {
        var anchors = new List<TokenAnchor>();
        foreach (WeightView view in AnchorViews(views, BaseAnchors))
        {
            int tokenCount = (int)Math.Min(MaxTokens, view.UnitCount / 2);
            if (tokenCount < MinTokens)
            {
                continue;
            }

            int[] tokens = AnchorTokens(view.UnitCount, tokenCount);
            float[] values = ViewReader.FeatureMajor(source, view, tokens.Select(t => (long)t).ToArray(), window);
            // MaxMagnitude returns the element itself, sign included: a negative one must still set the scale.
            float largest = MathF.Abs(TensorPrimitives.MaxMagnitude(values));
            float scale = largest > 0f && float.IsFinite(largest) ? largest / sbyte.MaxValue : 1f;
            var quantized = new sbyte[values.Length];
            for (int i = 0; i < values.Length; i++)
            {
                quantized[i] = (sbyte)Math.Clamp(MathF.Round(values[i] / scale), -sbyte.MaxValue, sbyte.MaxValue);
            }

            anchors.Add(new TokenAnchor(view.Description, tokens, scale, quantized));
        }

        return anchors;
    }

    /// <summary>
    /// <paramref name="tokenCount"/> tokens in <see cref="LineageSettings.AnchorRuns"/> runs of consecutive ones, spread
    /// over the first half of the vocabulary (the end often holds reserved, untrained rows), ascending. A run is one
    /// stretch of rows in storage: one byte range when the base is read from the Hub.
    /// </summary>
    public static int[] AnchorTokens(long unitCount, int tokenCount)
    {
        int runLength = tokenCount / LineageSettings.AnchorRuns;
        var tokens = new int[runLength * LineageSettings.AnchorRuns];
        for (int run = 0; run < LineageSettings.AnchorRuns; run++)
        {
            int start = (int)(run * (unitCount / 2) / LineageSettings.AnchorRuns);
            for (int t = 0; t < runLength; t++)
            {
                tokens[(run * runLength) + t] = start + t;
            }
        }

        return tokens;
    }

    /// <summary>
    /// For each base window feature, the candidate hidden feature that best carries it, or null when no anchor
    /// finds the window clearly (the candidate is unrelated, or its vocabulary views were not kept).
    /// </summary>
    /// <exception cref="ModelFormatException">A candidate view cannot be read.</exception>
    public static int[]? Align(LineageSketch baseSketch, CandidateAnchors candidate)
    {
        ArgumentNullException.ThrowIfNull(baseSketch);
        ArgumentNullException.ThrowIfNull(candidate);
        int window = baseSketch.WindowSize;
        int[]? best = null;
        double bestQuality = double.NegativeInfinity;
        foreach ((TokenAnchor anchor, int usable, float[] candidateColumns) in Pairs(baseSketch, candidate))
        {
            float[] baseColumns = Standardized(Dequantize(anchor, usable), usable);
            (int[] mapping, double quality) = Match(baseColumns, candidateColumns, usable, window, (int)baseSketch.HiddenSize);
            if (quality > bestQuality)
            {
                (best, bestQuality) = (mapping, quality);
            }
        }

        return best is not null && bestQuality >= Threshold(baseSketch) ? best : null;
    }

    /// <summary>
    /// A cheap necessary condition for <see cref="Align"/> to find the base's window in the candidate: over the same
    /// pairs of candidate views and base anchors, the best median correlation of only <see cref="ScreenFeatures"/> of the
    /// window's features reaches <see cref="ScreenShare"/> of the alignment's threshold. It does a quarter of the
    /// alignment's arithmetic, and spares the candidate's second sketch that a found window triggers.
    /// </summary>
    /// <exception cref="ModelFormatException">A candidate view cannot be read.</exception>
    public static bool MayAlign(LineageSketch baseSketch, CandidateAnchors candidate) =>
        ScreenScore(baseSketch, candidate) >= ScreenShare;

    /// <summary>The screen's quality as a share of <see cref="Align"/>'s threshold (0 when no anchor fits).</summary>
    /// <exception cref="ModelFormatException">A candidate view cannot be read.</exception>
    public static double ScreenScore(LineageSketch baseSketch, CandidateAnchors candidate)
    {
        ArgumentNullException.ThrowIfNull(baseSketch);
        ArgumentNullException.ThrowIfNull(candidate);
        int count = Math.Min(ScreenFeatures, baseSketch.WindowSize);
        int[] screened = Enumerable.Range(0, count).Select(i => i * baseSketch.WindowSize / count).ToArray();
        double best = 0;
        foreach ((TokenAnchor anchor, int usable, float[] candidateColumns) in Pairs(baseSketch, candidate))
        {
            float[] baseColumns = Dequantize(anchor, usable);
            float[] subset = Standardized(screened.SelectMany(f => baseColumns.AsSpan(f * usable, usable).ToArray()).ToArray(), usable);
            best = Math.Max(best, Match(subset, candidateColumns, usable, count, (int)baseSketch.HiddenSize).Quality);
        }

        return best / Threshold(baseSketch);
    }

    /// <summary>
    /// Each pair of a candidate anchor view and a base anchor with enough tokens inside the view: the anchor, how many
    /// of its tokens (a prefix, as they ascend) the view has, and the candidate's standardized values at them.
    /// </summary>
    private static IEnumerable<(TokenAnchor Anchor, int Usable, float[] CandidateColumns)> Pairs(LineageSketch baseSketch, CandidateAnchors candidate)
    {
        foreach (WeightView view in candidate.Views)
        {
            foreach (TokenAnchor anchor in baseSketch.Anchors)
            {
                int usable = anchor.Tokens.TakeWhile(t => t < view.UnitCount).Count();
                if (usable >= MinTokens)
                {
                    yield return (anchor, usable, Standardized(candidate.FeatureMajor(view, anchor.Tokens.Take(usable).ToArray()), usable));
                }
            }
        }
    }

    /// <summary>
    /// Median best correlation an alignment must reach: three times the typical maximum of
    /// <c>hidden</c> null correlations over the anchor's tokens, and at least 0.5.
    /// </summary>
    private static double Threshold(LineageSketch baseSketch)
    {
        int tokens = baseSketch.Anchors.Count == 0 ? MinTokens : baseSketch.Anchors.Min(a => a.Tokens.Count);
        return Math.Max(0.5, 3 * Math.Sqrt(Math.Log(baseSketch.HiddenSize) / Math.Max(MinTokens, tokens)));
    }

    private static (int[] Mapping, double Quality) Match(float[] baseColumns, float[] candidateColumns, int tokens, int window, int hidden)
    {
        var mapping = new int[window];
        var bests = new double[window];
        for (int i = 0; i < window; i++)
        {
            ReadOnlySpan<float> column = baseColumns.AsSpan(i * tokens, tokens);
            float bestValue = float.NegativeInfinity;
            for (int j = 0; j < hidden; j++)
            {
                float value = TensorPrimitives.Dot(column, candidateColumns.AsSpan(j * tokens, tokens));
                if (value > bestValue)
                {
                    (mapping[i], bestValue) = (j, value);
                }
            }

            bests[i] = bestValue;
        }

        Array.Sort(bests);
        return (mapping, bests[window / 2]);
    }

    /// <summary>The anchor's values for its first <paramref name="tokens"/> tokens, feature-major.</summary>
    private static float[] Dequantize(TokenAnchor anchor, int tokens)
    {
        ReadOnlySpan<sbyte> stored = anchor.Values.Span;
        int window = stored.Length / anchor.Tokens.Count;
        var values = new float[window * tokens];
        for (int f = 0; f < window; f++)
        {
            for (int t = 0; t < tokens; t++)
            {
                values[(f * tokens) + t] = stored[(f * anchor.Tokens.Count) + t] * anchor.Scale;
            }
        }

        return values;
    }

    /// <summary>Each feature's values over the tokens (feature-major), centred and scaled to unit length.</summary>
    private static float[] Standardized(float[] featureMajor, int tokens)
    {
        for (int start = 0; start < featureMajor.Length; start += tokens)
        {
            Span<float> column = featureMajor.AsSpan(start, tokens);
            TensorPrimitives.Subtract(column, TensorPrimitives.Sum(column) / tokens, column);
            float norm = TensorPrimitives.Norm(column);
            if (norm > 0f && float.IsFinite(norm))
            {
                TensorPrimitives.Divide(column, norm, column);
            }
            else
            {
                column.Clear();
            }
        }

        return featureMajor;
    }
}
