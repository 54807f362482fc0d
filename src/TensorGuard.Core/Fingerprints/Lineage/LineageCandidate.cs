using TensorGuard.Core.Formats;

namespace TensorGuard.Core.Fingerprints.Lineage;

/// <summary>
/// A candidate model whose full weights are at hand, to be compared with one or more base sketches: its own
/// sketch is computed once, on first use, and reused for every base. Against many bases, the search for a permuted
/// hidden dimension (the costly part of a comparison beyond the candidate's sketch) runs only for bases that pass a
/// cheap screen (<see cref="HiddenAlignment.MayAlign"/>) and that the sketch alone does not already prove. Screen and
/// search read the candidate's token-like views once for all bases (<see cref="CandidateAnchors"/>).
/// </summary>
/// <param name="source">The candidate's weights.</param>
/// <param name="bases">
/// The bases it will be compared with, when known, so that their anchors' tokens are read in one pass; a base left out
/// is still compared correctly, at the cost of another pass over the views its anchors fall in.
/// </param>
/// <param name="screening">False runs the full search against every base of the candidate's width (to measure the screen).</param>
public sealed class LineageCandidate(ITensorSource source, IReadOnlyCollection<LineageSketch>? bases = null, bool screening = true)
{
    private LineageSketch? _sketch;
    private CandidateAnchors? _anchors;

    /// <summary>The candidate's sketch over at most <see cref="LineageSettings.CandidateViews"/> views.</summary>
    public LineageSketch Sketch => _sketch ??= LineageSketcher.SketchCandidate(source, LineageSettings.CandidateViews);

    /// <summary>
    /// Compares the candidate with <paramref name="baseSketch"/>. When the base's anchors find its window at
    /// other hidden features of the candidate (a permuted hidden dimension), the candidate is sketched again
    /// at those features for this base.
    /// </summary>
    /// <exception cref="ModelFormatException">A candidate tensor cannot be read.</exception>
    public LineageComparison CompareWith(LineageSketch baseSketch)
    {
        ArgumentNullException.ThrowIfNull(baseSketch);
        LineageSketch sketch = Sketch;
        if (sketch.HiddenSize != baseSketch.HiddenSize || baseSketch.Anchors.Count == 0)
        {
            return LineageComparer.Compare(baseSketch, sketch);
        }

        _anchors ??= new CandidateAnchors(source, LineageSketcher.Views(source, baseSketch.HiddenSize, baseSketch.WindowSize), bases ?? [baseSketch]);
        if (screening)
        {
            LineageComparison direct = LineageComparer.Compare(baseSketch, sketch);
            if (direct.Verdict != LineageVerdict.Derived && !HiddenAlignment.MayAlign(baseSketch, _anchors))
            {
                // What the full search gives when it finds no window: the comparison of the two sketches.
                return direct;
            }
        }

        int[]? features = HiddenAlignment.Align(baseSketch, _anchors);
        if (features is null || features.SequenceEqual(FeatureCorrelations.Window(baseSketch.WindowOffset, baseSketch.WindowSize)))
        {
            return LineageComparer.Compare(baseSketch, sketch);
        }

        LineageSketch aligned = LineageSketcher.SketchAligned(source, baseSketch, features, LineageSettings.CandidateViews);
        return LineageComparer.Compare(baseSketch, aligned) with { HiddenPermutationUndone = true };
    }
}
