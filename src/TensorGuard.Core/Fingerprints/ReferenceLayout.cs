namespace TensorGuard.Core.Fingerprints;

/// <summary>The key set of the reference implementation's flat fingerprint files.</summary>
internal static class ReferenceLayout
{
    public const string ModelName = "model_name";

    /// <summary>Numeric keys in the order the reference writes them (its 16, plus <c>norm_*</c> after embeddings).</summary>
    public static IReadOnlyList<string> Keys { get; } =
    [
        .. GradientStatistics.Names.Select(stat => GradientFeatures.Name(GradientFeatures.GlobalPrefix, stat)),
        .. LayerTypes.Grouped.SelectMany(type => GradientFeatures.ReferenceGroupStatistics.Select(stat => GradientFeatures.Name(type.Name(), stat))),
        GradientFeatures.TotalParams,
        GradientFeatures.NumLayers,
    ];
}
