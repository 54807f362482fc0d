using TensorGuard.Core.Formats;

namespace TensorGuard.Core.Fingerprints.Lineage;

/// <summary>
/// A weight matrix (<see cref="WeightMatrix"/>: 2-D, or a convolution kernel as out × (in·k…)) seen as units × features, where the feature axis is the model's residual (hidden)
/// dimension. Which axis that is depends on the layer (q/k/v/gate/up/embeddings store out × hidden,
/// o/down store hidden × in) and on the exporter (ONNX keeps MatMul weights transposed), so it is read
/// from the shape, never from the name.
/// </summary>
/// <param name="Tensor">The stored tensor.</param>
/// <param name="FeaturesAlongRows">True when the hidden axis is the first (row) axis of the stored tensor.</param>
public sealed record WeightView(TensorEntry Tensor, bool FeaturesAlongRows)
{
    /// <summary>Number of units (the non-hidden axis).</summary>
    public long UnitCount => FeaturesAlongRows ? WeightMatrix.Columns(Tensor) : WeightMatrix.Rows(Tensor);

    /// <summary>Number of features (the hidden axis).</summary>
    public long FeatureCount => FeaturesAlongRows ? WeightMatrix.Rows(Tensor) : WeightMatrix.Columns(Tensor);

    /// <summary>How the view reads in reports, e.g. <c>model.layers.0.mlp.down_proj.weight [2048, 8192]ᵀ</c>.</summary>
    public string Description => UntrustedText.Printable(Tensor.Name) + " " + Tensor.ShapeText + (FeaturesAlongRows ? "ᵀ" : "");
}
