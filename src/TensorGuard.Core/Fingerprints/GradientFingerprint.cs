namespace TensorGuard.Core.Fingerprints;

/// <summary>
/// The <c>tensorguard-gradient</c> section of a fingerprint document: the paper's method (DESIGN §4.1).
/// </summary>
/// <param name="Parameters">How it was computed; null for reference files, which do not say.</param>
/// <param name="Features">The aggregated feature vector.</param>
/// <param name="Tensors">Per-tensor statistics, in analysis order; empty for reference files.</param>
public sealed record GradientFingerprint(GradientParameters? Parameters, GradientFeatures Features, IReadOnlyList<TensorGradient> Tensors)
{
    /// <summary>The method id used in documents and reports.</summary>
    public const string MethodId = "tensorguard-gradient";

    /// <summary>
    /// Version of the method this build computes and reads. A change to its output bumps it. Version 2 analyses
    /// convolution kernels as matrices too (<see cref="WeightMatrix"/>); models with 2-D weights only get the
    /// same features as with version 1.
    /// </summary>
    public const int MethodVersion = 2;
}
