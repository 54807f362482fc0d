using System.Collections.Frozen;

namespace TensorGuard.Core.Fingerprints.Gradient;

/// <summary>
/// Reads a weight's <see cref="LayerType"/> from its name under the naming schemes of the common families:
/// Hugging Face Llama/Mistral/Qwen/Gemma (<c>self_attn.q_proj</c>, <c>mlp.gate_proj</c>), Phi-3's fused
/// <c>qkv_proj</c>/<c>gate_up_proj</c>, GPT-2 (<c>attn.c_attn</c>, <c>mlp.c_fc</c>, <c>wte</c>), GPT-NeoX/Falcon
/// (<c>query_key_value</c>, <c>dense_h_to_4h</c>), T5, BERT, Meta's originals (<c>attention.wq</c>,
/// <c>feed_forward.w1</c>), Mixtral experts and GGUF (<c>blk.N.attn_q</c>, <c>ffn_gate</c>, <c>token_embd</c>,
/// <c>output</c>). Names that say nothing (anonymous ONNX initialisers) are <see cref="LayerType.Other"/>.
/// </summary>
public static class LayerTypeClassifier
{
    private static readonly char[] Separators = ['.', '/', ':'];

    private static readonly FrozenSet<string> EmbeddingSegments = FrozenSet.ToFrozenSet(
        ["wte", "wpe", "lm_head", "token_embd", "tok_embeddings", "embed_out", "word_embeddings", "shared"], StringComparer.Ordinal);

    private static readonly FrozenSet<string> AttentionSegments = FrozenSet.ToFrozenSet(
        ["q_proj", "k_proj", "v_proj", "o_proj", "qkv_proj", "query_key_value", "c_attn", "wq", "wk", "wv", "wo", "wqkv", "query", "key", "value"],
        StringComparer.Ordinal);

    private static readonly FrozenSet<string> FeedForwardSegments = FrozenSet.ToFrozenSet(
        ["gate_proj", "up_proj", "down_proj", "gate_up_proj", "fc1", "fc2", "c_fc", "w1", "w2", "w3", "wi", "wi_0", "wi_1",
            "dense_h_to_4h", "dense_4h_to_h", "intermediate", "experts", "router"],
        StringComparer.Ordinal);

    // Checked in this order: "post_attention_layernorm" and GGUF "blk.0.attn_norm" are norms, not attention.
    private static readonly (LayerType Type, string[] Fragments, FrozenSet<string> Segments)[] Rules =
    [
        (LayerType.Norm, ["norm"], FrozenSet.ToFrozenSet(["ln_1", "ln_2", "ln_f", "ln1", "ln2", "ln"], StringComparer.Ordinal)),
        (LayerType.Embedding, ["embed"], EmbeddingSegments),
        (LayerType.Attention, ["attn", "attention"], AttentionSegments),
        (LayerType.FeedForward, ["mlp", "ffn", "feed_forward", "feedforward", "densereludense", "moe"], FeedForwardSegments),
    ];

    /// <summary>The layer type of the weight called <paramref name="name"/>.</summary>
    public static LayerType Classify(string name)
    {
        string[] segments = name.ToLowerInvariant().Split(Separators, StringSplitOptions.RemoveEmptyEntries);
        foreach ((LayerType type, string[] fragments, FrozenSet<string> exact) in Rules)
        {
            if (segments.Any(segment => exact.Contains(segment) || fragments.Any(fragment => segment.Contains(fragment, StringComparison.Ordinal))))
            {
                return type;
            }
        }

        // GGUF calls the unembedding head just "output.weight".
        return segments is ["output", ..] && segments.Length <= 2 ? LayerType.Embedding : LayerType.Other;
    }
}
