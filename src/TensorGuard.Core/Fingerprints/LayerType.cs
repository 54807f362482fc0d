namespace TensorGuard.Core.Fingerprints;

/// <summary>
/// The role of a 2-D weight, read from its name. Each type other than <see cref="Other"/> gets its own
/// group of features (<c>attention_*</c>, <c>ffn_*</c>, <c>embedding_*</c>, <c>norm_*</c>); every tensor
/// counts towards <c>global_*</c>.
/// </summary>
public enum LayerType
{
    /// <summary>Query, key, value and output projections, fused or not.</summary>
    Attention,

    /// <summary>Feed-forward (MLP) projections, fused or not, including mixture-of-experts experts.</summary>
    FeedForward,

    /// <summary>Token and position embeddings and the output (unembedding) head.</summary>
    Embedding,

    /// <summary>Normalisation weights that happen to be 2-D.</summary>
    Norm,

    /// <summary>Anything whose name says nothing about its role (e.g. anonymous ONNX initialisers).</summary>
    Other,
}

/// <summary>Names of <see cref="LayerType"/> values as they appear in feature names and documents.</summary>
public static class LayerTypes
{
    /// <summary>Types that have their own feature group, in canonical order.</summary>
    public static IReadOnlyList<LayerType> Grouped { get; } = [LayerType.Attention, LayerType.FeedForward, LayerType.Embedding, LayerType.Norm];

    /// <summary>The feature prefix / document name: <c>attention</c>, <c>ffn</c>, <c>embedding</c>, <c>norm</c>, <c>other</c>.</summary>
    public static string Name(this LayerType type) => type switch
    {
        LayerType.Attention => "attention",
        LayerType.FeedForward => "ffn",
        LayerType.Embedding => "embedding",
        LayerType.Norm => "norm",
        LayerType.Other => "other",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <summary>Parses a name written by <see cref="Name"/>.</summary>
    public static bool TryParse(string name, out LayerType type)
    {
        foreach (LayerType candidate in Enum.GetValues<LayerType>())
        {
            if (candidate.Name() == name)
            {
                type = candidate;
                return true;
            }
        }

        type = LayerType.Other;
        return false;
    }
}
