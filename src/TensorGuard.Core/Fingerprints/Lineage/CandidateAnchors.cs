using TensorGuard.Core.Formats;

namespace TensorGuard.Core.Fingerprints.Lineage;

/// <summary>
/// A candidate's values at base anchors' tokens, every hidden feature, on its most token-like views
/// (<see cref="HiddenAlignment.AnchorViews"/>): what <see cref="HiddenAlignment.Align"/> and its screen correlate with
/// each base's anchors. A view is read once for the union of the tokens of every base announced up front, because a
/// view stored hidden × units is read row by row whatever the tokens, so one pass for 40 bases costs what one pass
/// for one base does. Tokens of a base not announced are read when first asked for and kept as well.
/// Values are kept as read (float32), so a comparison gives the same bits however the reads were grouped.
/// </summary>
public sealed class CandidateAnchors
{
    private readonly ITensorSource _source;
    private readonly int[] _allFeatures;
    private readonly IReadOnlyList<int> _announced;
    private readonly Dictionary<WeightView, Dictionary<int, (float[] Values, int Index, int Tokens)>> _read = new(ReferenceEqualityComparer.Instance);

    /// <param name="source">The candidate's weights.</param>
    /// <param name="candidateViews">The candidate's views at the bases' hidden size (<see cref="LineageSketcher.Views"/>).</param>
    /// <param name="bases">The bases the candidate will be aligned with: their anchors' tokens are read together.</param>
    public CandidateAnchors(ITensorSource source, IReadOnlyList<WeightView> candidateViews, IEnumerable<LineageSketch> bases)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(candidateViews);
        ArgumentNullException.ThrowIfNull(bases);
        _source = source;
        Views = HiddenAlignment.AnchorViews(candidateViews, HiddenAlignment.CandidateAnchors);
        long hidden = candidateViews.Count == 0 ? 0 : candidateViews[0].FeatureCount;
        _allFeatures = Enumerable.Range(0, (int)hidden).ToArray();
        _announced = bases.Where(b => b.HiddenSize == hidden).SelectMany(b => b.Anchors).SelectMany(a => a.Tokens).Distinct().Order().ToArray();
    }

    /// <summary>The candidate views an alignment tries against each base anchor.</summary>
    public IReadOnlyList<WeightView> Views { get; }

    /// <summary>
    /// The values of <paramref name="view"/> (one of <see cref="Views"/>) at <paramref name="tokens"/>, every hidden
    /// feature, feature-major (feature f, token t at <c>f × tokens + t</c>), in a new array the caller may change.
    /// </summary>
    /// <exception cref="ModelFormatException">The view cannot be read.</exception>
    public float[] FeatureMajor(WeightView view, IReadOnlyList<int> tokens)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(tokens);
        if (!_read.TryGetValue(view, out Dictionary<int, (float[] Values, int Index, int Tokens)>? read))
        {
            read = [];
            _read[view] = read;
            Read(view, read, _announced.Where(t => t < view.UnitCount).ToArray());
        }

        Read(view, read, tokens.Where(t => !read.ContainsKey(t)).Distinct().Order().ToArray());
        int count = tokens.Count;
        var values = new float[(long)_allFeatures.Length * count];
        for (int t = 0; t < count; t++)
        {
            (float[] block, int index, int blockTokens) = read[tokens[t]];
            for (int f = 0; f < _allFeatures.Length; f++)
            {
                values[(f * count) + t] = block[(f * blockTokens) + index];
            }
        }

        return values;
    }

    /// <summary>Reads <paramref name="tokens"/> (ascending) of the view in one pass and files them under each token.</summary>
    private void Read(WeightView view, Dictionary<int, (float[] Values, int Index, int Tokens)> read, int[] tokens)
    {
        if (tokens.Length == 0)
        {
            return;
        }

        float[] block = ViewReader.FeatureMajor(_source, view, tokens.Select(t => (long)t).ToArray(), _allFeatures);
        for (int i = 0; i < tokens.Length; i++)
        {
            read[tokens[i]] = (block, i, tokens.Length);
        }
    }
}
