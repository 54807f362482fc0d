namespace TensorGuard.ModelFactory;

/// <summary>What a tensor is in the network, independent of how it is named or stored.</summary>
/// <remarks>Declared in graph order within a layer; the order names anonymous ONNX tensors.</remarks>
public enum TensorKind
{
    Embedding,
    InputNorm,
    AttnQ,
    AttnQBias,
    AttnK,
    AttnKBias,
    AttnV,
    AttnVBias,
    AttnQkv,
    AttnO,
    PostAttentionNorm,
    PreFeedforwardNorm,
    MlpGate,
    MlpUp,
    MlpGateUp,
    MlpDown,
    PostFeedforwardNorm,
    FinalNorm,
    LmHead,
    ConvKernel,
    ConvBias,
    Dense,
    DenseBias,
}

/// <summary>A tensor's kind and layer (<see cref="NoLayer"/> for embeddings, final norm and head).</summary>
public readonly record struct TensorRole(TensorKind Kind, int Layer = TensorRole.NoLayer) : IComparable<TensorRole>
{
    public const int NoLayer = -1;

    /// <summary>A weight applied by matrix multiplication (what ONNX exports as <c>MatMul</c>), stored out × in.</summary>
    public bool IsLinear => Kind is TensorKind.AttnQ or TensorKind.AttnK or TensorKind.AttnV or TensorKind.AttnQkv
        or TensorKind.AttnO or TensorKind.MlpGate or TensorKind.MlpUp or TensorKind.MlpGateUp or TensorKind.MlpDown
        or TensorKind.LmHead or TensorKind.Dense;

    /// <summary>An RMSNorm weight vector over the hidden dimension.</summary>
    public bool IsNorm => Kind is TensorKind.InputNorm or TensorKind.PostAttentionNorm or TensorKind.PreFeedforwardNorm
        or TensorKind.PostFeedforwardNorm or TensorKind.FinalNorm;

    /// <summary>A bias vector (of an attention projection, a convolution or a dense layer).</summary>
    public bool IsBias => Kind is TensorKind.AttnQBias or TensorKind.AttnKBias or TensorKind.AttnVBias or TensorKind.ConvBias or TensorKind.DenseBias;

    /// <summary>Embedding or LM head: one row per vocabulary entry.</summary>
    public bool IsVocabulary => Kind is TensorKind.Embedding or TensorKind.LmHead;

    /// <summary>Stable text key, e.g. <c>3.AttnQ</c>; used to key random streams.</summary>
    public string Key => Layer == NoLayer ? Kind.ToString() : $"{Layer}.{Kind}";

    /// <summary>Graph order: embedding, then layers in order, then final norm and head.</summary>
    public int CompareTo(TensorRole other)
    {
        int Rank(TensorRole role) => role.Kind switch
        {
            TensorKind.Embedding => -1,
            TensorKind.FinalNorm or TensorKind.LmHead => int.MaxValue,
            _ => role.Layer,
        };

        int byPosition = Rank(this).CompareTo(Rank(other));
        return byPosition != 0 ? byPosition : Kind.CompareTo(other.Kind);
    }

    public override string ToString() => Key;
}
