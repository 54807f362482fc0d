namespace TensorGuard.Core.Fingerprints;

/// <summary>One analysed tensor of a gradient fingerprint: its name, shape, type and probe-averaged statistics.</summary>
public sealed record TensorGradient(string Name, IReadOnlyList<long> Shape, LayerType LayerType, GradientStatistics Statistics);
