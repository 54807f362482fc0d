using System.Buffers;
using System.Globalization;
using System.Numerics.Tensors;
using TensorGuard.Core.Formats;

namespace TensorGuard.Core.Fingerprints.Lineage;

/// <summary>
/// The correlations between a fixed window of hidden features, taken over all units of a view. They are
/// the same whatever order the units come in, so they survive permuted MLP neurons, reordered heads or
/// rotary rows and changed vocabularies, and they are carried over by every derivation that keeps the
/// residual basis (fine-tuning, LoRA, quantization, merges, renaming, transposition, re-sharding).
/// Unrelated weights give correlations that are independent of the base's. Views with more units than
/// <see cref="LineageSettings.MaxUnits"/> are read at an even stride so memory stays bounded.
/// </summary>
public static class FeatureCorrelations
{
    /// <summary>At most one component in this many is removed as a spike.</summary>
    private const int MaxSpikeFraction = 4;

    /// <summary>First hidden feature of the window for a model of width <paramref name="hiddenSize"/>.</summary>
    /// <remarks>Depends only on the width, so two models of the same width always look at the same features.</remarks>
    public static int WindowOffset(long hiddenSize, int windowSize) =>
        (int)((ulong)hiddenSize * 0x9E3779B97F4A7C15UL % (ulong)(hiddenSize - windowSize + 1));

    /// <summary>Window length for a model of width <paramref name="hiddenSize"/>.</summary>
    public static int WindowSize(long hiddenSize) => (int)Math.Min(LineageSettings.FeatureWindow, hiddenSize);

    /// <summary>Number of distinct feature pairs in a window of <paramref name="windowSize"/> features.</summary>
    public static int PairCount(int windowSize) => windowSize * (windowSize - 1) / 2;

    /// <summary>The window itself: hidden features <c>offset … offset + windowSize − 1</c>.</summary>
    public static int[] Window(int offset, int windowSize) => Enumerable.Range(offset, windowSize).ToArray();

    /// <summary>
    /// Upper-triangle correlations (row by row) of the given hidden features over the view's units, or null
    /// when fewer than two of them vary.
    /// </summary>
    /// <exception cref="ModelFormatException">A value read is not finite (corrupt weights are an error, as in the gradient method).</exception>
    public static float[]? Compute(ITensorSource source, WeightView view, IReadOnlyList<int> hiddenFeatures)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(hiddenFeatures);
        long[] unitIndices = ViewReader.StridedUnits(view);

        // Views are read in turn by every thread; pooled buffers keep tens of megabytes per view from piling
        // up as garbage between collections.
        float[] features = ArrayPool<float>.Shared.Rent(hiddenFeatures.Count * unitIndices.Length);
        try
        {
            ViewReader.FeatureMajor(source, view, unitIndices, hiddenFeatures, features);
            return Correlations(view, features, unitIndices, hiddenFeatures);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(features);
        }
    }

    private static float[]? Correlations(WeightView view, float[] features, long[] unitIndices, IReadOnlyList<int> hiddenFeatures)
    {
        int count = hiddenFeatures.Count;
        int units = unitIndices.Length;
        var norms = new float[count];
        int varying = 0;
        for (int f = 0; f < count; f++)
        {
            Span<float> feature = features.AsSpan(f * units, units);
            float mean = TensorPrimitives.Sum(feature) / units;
            if (!float.IsFinite(mean))
            {
                ThrowIfNonFinite(view, feature, unitIndices, hiddenFeatures[f]);
            }

            TensorPrimitives.Subtract(feature, mean, feature);
            norms[f] = TensorPrimitives.Norm(feature);
            varying += norms[f] > 0f && float.IsFinite(norms[f]) ? 1 : 0;
        }

        if (varying < 2)
        {
            return null;
        }

        var correlations = new double[count * count];
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<float> left = features.AsSpan(i * units, units);
            correlations[(i * count) + i] = norms[i] > 0f ? 1 : 0;
            for (int j = i + 1; j < count; j++)
            {
                float denominator = norms[i] * norms[j];
                float value = denominator > 0f ? TensorPrimitives.Dot(left, features.AsSpan(j * units, units)) / denominator : 0f;
                correlations[(i * count) + j] = correlations[(j * count) + i] = float.IsFinite(value) ? Math.Clamp(value, -1f, 1f) : 0f;
            }
        }

        return UpperTriangle(WithoutSpikes(correlations, count, units), count);
    }

    /// <summary>
    /// The correlations left once the components above the Marchenko–Pastur edge (1 + √(features/units))² are
    /// removed, rescaled to a unit diagonal (partial correlations given those components). Shared low-rank
    /// structure, which every trained weight has, would otherwise dominate the comparison and make its null
    /// distribution heavy-tailed (a product of a few Gaussians instead of a sum of many); what remains is the
    /// fine, weight-specific structure that derivations carry over.
    /// </summary>
    private static double[] WithoutSpikes(double[] correlations, int count, int units)
    {
        (double[] values, double[] vectors) = SymmetricEigen.Decompose(correlations, count);
        double edge = Math.Pow(1 + Math.Sqrt((double)count / units), 2);
        int removable = count / MaxSpikeFraction;
        int spikes = 0;
        while (spikes < removable && values[spikes] > edge)
        {
            spikes++;
        }

        // Each spike is shrunk to the bulk's mean eigenvalue, not removed: removing λ·v·vᵀ would leave −v·vᵀ in the
        // off-diagonal (the eigenvectors' outer products sum to the identity), a rank-one imprint that outweighs the
        // bulk's entries, of size √(features/units), once the units far outnumber the features. Two unrelated views'
        // imprints then agree like the squared dot product of two random vectors, a heavy-tailed null whose tail grew
        // with width (docs/lineage-calibration.md).
        double trace = Enumerable.Range(0, count).Sum(i => correlations[(i * count) + i]);
        double bulkMean = (trace - values.Take(spikes).Sum()) / (count - spikes);
        var residual = (double[])correlations.Clone();
        for (int component = 0; component < spikes; component++)
        {
            for (int i = 0; i < count; i++)
            {
                double scaled = (values[component] - bulkMean) * vectors[(i * count) + component];
                for (int j = 0; j < count; j++)
                {
                    residual[(i * count) + j] -= scaled * vectors[(j * count) + component];
                }
            }
        }

        var scale = new double[count];
        for (int i = 0; i < count; i++)
        {
            double diagonal = residual[(i * count) + i];
            scale[i] = diagonal > 1e-9 ? 1 / Math.Sqrt(diagonal) : 0;
        }

        for (int i = 0; i < count; i++)
        {
            for (int j = 0; j < count; j++)
            {
                residual[(i * count) + j] *= scale[i] * scale[j];
            }
        }

        return residual;
    }

    // A non-finite mean comes from a non-finite value or, rarely, from finite values too large to add.
    private static void ThrowIfNonFinite(WeightView view, ReadOnlySpan<float> feature, long[] unitIndices, int hiddenFeature)
    {
        for (int u = 0; u < feature.Length; u++)
        {
            if (!float.IsFinite(feature[u]))
            {
                (long row, long column) = view.FeaturesAlongRows ? ((long)hiddenFeature, unitIndices[u]) : (unitIndices[u], (long)hiddenFeature);
                throw new ModelFormatException(view.Tensor.SourceFile, string.Create(CultureInfo.InvariantCulture,
                    $"tensor \"{UntrustedText.Printable(view.Tensor.Name)}\" holds a non-finite weight ({feature[u]}) at row {row}, column {column}; the weights are corrupt or come from a diverged run — re-export them"));
            }
        }
    }

    private static float[] UpperTriangle(double[] matrix, int count)
    {
        var upper = new float[PairCount(count)];
        int pair = 0;
        for (int i = 0; i < count; i++)
        {
            for (int j = i + 1; j < count; j++)
            {
                double value = matrix[(i * count) + j];
                upper[pair++] = double.IsFinite(value) ? (float)Math.Clamp(value, -1, 1) : 0f;
            }
        }

        return upper;
    }
}
