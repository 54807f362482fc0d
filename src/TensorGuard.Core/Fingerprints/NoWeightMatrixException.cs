using TensorGuard.Core.Formats;

namespace TensorGuard.Core.Fingerprints;

/// <summary>
/// A model read correctly but holds no floating-point weight matrix or convolution kernel, so neither fingerprint
/// method has anything to measure. A gate treats it as unreadable; a comparison answers "inconclusive" instead.
/// </summary>
public sealed class NoWeightMatrixException(string path)
    : ModelFormatException(path, "holds no floating-point weight matrix or convolution kernel to fingerprint (the gradient method needs weight matrices); pass the model's full weights, not an adapter, index-only or metadata file");
