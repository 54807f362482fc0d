using TensorGuard.Core.Formats;

namespace TensorGuard.Core.Fingerprints.Lineage;

/// <summary>
/// A model's lineage fingerprint: for a bounded, evenly spread set of its weight views, the correlations
/// between a fixed window of hidden features (quantized to 8 bits). Its size does not depend on the
/// model's size, and it can be compared with another sketch or with a candidate's full weights.
/// </summary>
/// <param name="HiddenSize">The model's residual width.</param>
/// <param name="WindowOffset">First hidden feature of the window.</param>
/// <param name="WindowSize">Features in the window.</param>
/// <param name="Views">The sketched views, in the model's tensor order.</param>
/// <param name="Anchors">The window's values on anchor tokens, to find the window again in a candidate whose hidden dimension was permuted.</param>
public sealed record LineageSketch(long HiddenSize, int WindowOffset, int WindowSize, IReadOnlyList<SketchedView> Views, IReadOnlyList<TokenAnchor> Anchors)
{
    /// <summary>Feature pairs per view.</summary>
    public int PairCount => FeatureCorrelations.PairCount(WindowSize);
}

/// <summary>One sketched view.</summary>
/// <param name="TensorName">Name of the tensor as stored (for reports only; matching never uses it).</param>
/// <param name="Rows">Stored rows.</param>
/// <param name="Columns">Stored columns.</param>
/// <param name="FeaturesAlongRows">Whether the hidden axis is the stored row axis.</param>
/// <param name="Scale">Quantization step: correlation = <paramref name="Scale"/> × stored value.</param>
/// <param name="Correlations">Quantized upper-triangle feature correlations.</param>
public sealed record SketchedView(string TensorName, long Rows, long Columns, bool FeaturesAlongRows, float Scale, ReadOnlyMemory<sbyte> Correlations)
{
    /// <summary>Units the correlations were taken over.</summary>
    public long UnitCount => FeaturesAlongRows ? Columns : Rows;

    /// <summary>How the view reads in reports.</summary>
    public string Description => $"{UntrustedText.Printable(TensorName)} [{Rows}, {Columns}]{(FeaturesAlongRows ? "ᵀ" : "")}";

    /// <summary>Quantizes correlations symmetrically to 8 bits with one scale per view.</summary>
    public static SketchedView Quantize(WeightView view, ReadOnlySpan<float> correlations)
    {
        float largest = 0f;
        foreach (float value in correlations)
        {
            largest = Math.Max(largest, Math.Abs(value));
        }

        float scale = largest > 0f ? largest / sbyte.MaxValue : 1f;
        var quantized = new sbyte[correlations.Length];
        for (int i = 0; i < quantized.Length; i++)
        {
            quantized[i] = (sbyte)Math.Clamp(MathF.Round(correlations[i] / scale), -sbyte.MaxValue, sbyte.MaxValue);
        }

        return new SketchedView(view.Tensor.Name, WeightMatrix.Rows(view.Tensor), WeightMatrix.Columns(view.Tensor), view.FeaturesAlongRows, scale, quantized);
    }
}
