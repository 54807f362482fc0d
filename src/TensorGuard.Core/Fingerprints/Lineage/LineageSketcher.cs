using TensorGuard.Core.Formats;

namespace TensorGuard.Core.Fingerprints.Lineage;

/// <summary>Computes lineage sketches from a model's weights.</summary>
public static class LineageSketcher
{
    /// <summary>
    /// Sketches at most <paramref name="maxViews"/> views (see <see cref="SketchedViews"/>), plus the anchors that undo
    /// hidden permutations. Each view is computed independently and
    /// sequentially, so the result is byte-identical whatever the number of threads.
    /// </summary>
    /// <param name="source">The model.</param>
    /// <param name="maxViews">Views to sketch at most.</param>
    /// <param name="maxDegreeOfParallelism">Threads to use at most (-1: as many as the runtime likes); the result does not depend on it.</param>
    /// <exception cref="ModelFormatException">A tensor cannot be read.</exception>
    public static LineageSketch Sketch(ITensorSource source, int maxViews = LineageSettings.SketchViews, int maxDegreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxViews, 1);
        if (Window(source) is not { } found)
        {
            return new LineageSketch(WeightViews.HiddenSize(source.Tensors), 0, 0, [], []);
        }

        (long hidden, int offset, int[] window) = found;

        IReadOnlyList<WeightView> views = Views(source, hidden, window.Length);
        return new LineageSketch(hidden, offset, window.Length, SketchViews(source, SketchedViews(views, maxViews), window, maxDegreeOfParallelism),
            HiddenAlignment.Anchor(source, views, window));
    }

    /// <summary>
    /// Sketches a candidate's full weights for comparison with base sketches: at most <paramref name="maxViews"/> views
    /// evenly spread over all its views, both orientations, so a base view matches however the candidate stores it.
    /// </summary>
    public static LineageSketch SketchCandidate(ITensorSource source, int maxViews)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (Window(source) is not { } found)
        {
            return new LineageSketch(WeightViews.HiddenSize(source.Tensors), 0, 0, [], []);
        }

        (long hidden, int offset, int[] window) = found;

        IReadOnlyList<WeightView> views = WeightViews.EvenlySpread(Views(source, hidden, window.Length), maxViews);
        return new LineageSketch(hidden, offset, window.Length, SketchViews(source, views, window, -1), []);
    }

    /// <summary>
    /// Sketches a candidate's views at the hidden features that carry a base's window (see
    /// <see cref="HiddenAlignment.Align"/>), labelled with the base's window so the two compare.
    /// </summary>
    public static LineageSketch SketchAligned(ITensorSource source, LineageSketch baseSketch, IReadOnlyList<int> hiddenFeatures, int maxViews)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(baseSketch);
        IReadOnlyList<WeightView> views = WeightViews.EvenlySpread(Views(source, baseSketch.HiddenSize, baseSketch.WindowSize), maxViews);
        return new LineageSketch(baseSketch.HiddenSize, baseSketch.WindowOffset, baseSketch.WindowSize, SketchViews(source, views, hiddenFeatures, -1), []);
    }

    /// <summary>
    /// The views a base sketch reads: first those whose window is contiguous in storage (the hidden axis is the stored
    /// row axis, so the window is one stretch of rows), evenly spread; when there are fewer than
    /// <paramref name="maxViews"/> of them, the smallest other views (fewest elements) fill the rest. A sketch of a base
    /// on the Hub then costs a few byte ranges per view instead of one per row, and a small share of the weights;
    /// candidates are matched against all their views, whatever the base's orientation. In tensor order.
    /// </summary>
    public static IReadOnlyList<WeightView> SketchedViews(IReadOnlyList<WeightView> views, int maxViews)
    {
        ArgumentNullException.ThrowIfNull(views);
        var contiguous = views.Where(v => v.FeaturesAlongRows).ToArray();
        if (contiguous.Length >= maxViews)
        {
            return WeightViews.EvenlySpread(contiguous, maxViews);
        }

        var picked = contiguous.ToHashSet();
        picked.UnionWith(views.Where(v => !v.FeaturesAlongRows)
            .Select((view, index) => (view, index))
            .OrderBy(p => p.view.Tensor.ElementCount)
            .ThenBy(p => p.index)
            .Take(maxViews - contiguous.Length)
            .Select(p => p.view));
        return views.Where(picked.Contains).ToArray();
    }

    /// <summary>The views a sketch may use: those with at least as many units as window features.</summary>
    public static IReadOnlyList<WeightView> Views(ITensorSource source, long hidden, int windowSize)
    {
        ArgumentNullException.ThrowIfNull(source);
        return WeightViews.Enumerate(source.Tensors, hidden, minimumUnits: windowSize);
    }

    // The model's hidden width and the window of features sketched; null when there is no hidden width to speak of.
    private static (long Hidden, int Offset, int[] Window)? Window(ITensorSource source)
    {
        long hidden = WeightViews.HiddenSize(source.Tensors);
        if (hidden < 2)
        {
            return null;
        }

        int windowSize = FeatureCorrelations.WindowSize(hidden);
        int offset = FeatureCorrelations.WindowOffset(hidden, windowSize);
        return (hidden, offset, FeatureCorrelations.Window(offset, windowSize));
    }

    private static SketchedView[] SketchViews(ITensorSource source, IReadOnlyList<WeightView> views, IReadOnlyList<int> hiddenFeatures, int maxDegreeOfParallelism)
    {
        var sketched = new SketchedView?[views.Count];
        ParallelWork.Run(() => Parallel.For(0, views.Count, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism }, i =>
        {
            float[]? correlations = FeatureCorrelations.Compute(source, views[i], hiddenFeatures);
            sketched[i] = correlations is null ? null : SketchedView.Quantize(views[i], correlations);
        }));

        return sketched.OfType<SketchedView>().ToArray();
    }
}
