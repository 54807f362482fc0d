namespace TensorGuard.Core.Classification;

/// <summary>A fingerprint's numeric features under a display name, as the classifier consumes them.</summary>
/// <param name="Name">The model name shown in results.</param>
/// <param name="Features">Feature name → finite value (the gradient method's names, e.g. <c>global_std</c>).</param>
public sealed record NamedFeatures(string Name, IReadOnlyDictionary<string, double> Features);
