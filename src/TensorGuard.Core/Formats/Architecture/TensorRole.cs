namespace TensorGuard.Core.Formats.Architecture;

/// <summary>What a tensor is for in a transformer decoder, independent of how a format names it.</summary>
public enum TensorRole
{
    Embedding,
    PositionEmbedding,
    LmHead,
    FinalNorm,
    Query,
    Key,
    Value,
    AttentionBias,
    FusedQkv,
    AttentionOutput,
    QueryNorm,
    KeyNorm,
    Gate,
    Up,
    FusedGateUp,
    Down,
    AttentionNorm,
    PostAttentionNorm,
    MlpNorm,
    PreFeedforwardNorm,
    PostFeedforwardNorm,
}
