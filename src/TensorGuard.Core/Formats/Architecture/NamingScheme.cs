using System.Collections.Frozen;

namespace TensorGuard.Core.Formats.Architecture;

/// <summary>
/// How one family of checkpoints names its tensors: the segment that introduces a numbered layer
/// (<c>layers</c>, <c>h</c>, <c>blk</c>), names inside a layer, and model-wide names. Matching works on
/// dot-separated segments, never on regular expressions, so hostile names cost linear time.
/// </summary>
internal sealed class NamingScheme
{
    private readonly string _layerContainer;
    private readonly FrozenDictionary<string, TensorRole> _layerRoles;
    private readonly (string Suffix, TensorRole Role)[] _globalRoles;

    private NamingScheme(string name, string layerContainer, Dictionary<string, TensorRole> layerRoles, (string, TensorRole)[] globalRoles)
    {
        Name = name;
        _layerContainer = layerContainer;
        _layerRoles = layerRoles.ToFrozenDictionary(StringComparer.Ordinal);
        _globalRoles = globalRoles;
    }

    /// <summary>Hugging Face transformers decoders: Llama, Mistral, Qwen2, Gemma, Phi-3 and their relatives.</summary>
    public static NamingScheme HuggingFace { get; } = new("huggingface", "layers", new()
    {
        ["self_attn.q_proj.weight"] = TensorRole.Query,
        ["self_attn.k_proj.weight"] = TensorRole.Key,
        ["self_attn.v_proj.weight"] = TensorRole.Value,
        ["self_attn.q_proj.bias"] = TensorRole.AttentionBias,
        ["self_attn.k_proj.bias"] = TensorRole.AttentionBias,
        ["self_attn.v_proj.bias"] = TensorRole.AttentionBias,
        ["self_attn.qkv_proj.weight"] = TensorRole.FusedQkv,
        ["self_attn.o_proj.weight"] = TensorRole.AttentionOutput,
        ["self_attn.q_norm.weight"] = TensorRole.QueryNorm,
        ["self_attn.k_norm.weight"] = TensorRole.KeyNorm,
        ["mlp.gate_proj.weight"] = TensorRole.Gate,
        ["mlp.up_proj.weight"] = TensorRole.Up,
        ["mlp.gate_up_proj.weight"] = TensorRole.FusedGateUp,
        ["mlp.down_proj.weight"] = TensorRole.Down,
        ["input_layernorm.weight"] = TensorRole.AttentionNorm,
        ["post_attention_layernorm.weight"] = TensorRole.PostAttentionNorm,
        ["pre_feedforward_layernorm.weight"] = TensorRole.PreFeedforwardNorm,
        ["post_feedforward_layernorm.weight"] = TensorRole.PostFeedforwardNorm,
    }, [("embed_tokens.weight", TensorRole.Embedding), ("norm.weight", TensorRole.FinalNorm), ("lm_head.weight", TensorRole.LmHead)]);

    /// <summary>llama.cpp GGUF names (also used when such checkpoints are converted back to safetensors).</summary>
    public static NamingScheme Gguf { get; } = new("gguf", "blk", new()
    {
        ["attn_q.weight"] = TensorRole.Query,
        ["attn_k.weight"] = TensorRole.Key,
        ["attn_v.weight"] = TensorRole.Value,
        ["attn_q.bias"] = TensorRole.AttentionBias,
        ["attn_k.bias"] = TensorRole.AttentionBias,
        ["attn_v.bias"] = TensorRole.AttentionBias,
        ["attn_qkv.weight"] = TensorRole.FusedQkv,
        ["attn_output.weight"] = TensorRole.AttentionOutput,
        ["attn_q_norm.weight"] = TensorRole.QueryNorm,
        ["attn_k_norm.weight"] = TensorRole.KeyNorm,
        ["ffn_gate.weight"] = TensorRole.Gate,
        ["ffn_up.weight"] = TensorRole.Up,
        ["ffn_down.weight"] = TensorRole.Down,
        ["attn_norm.weight"] = TensorRole.AttentionNorm,
        ["post_attention_norm.weight"] = TensorRole.PostAttentionNorm,
        ["ffn_norm.weight"] = TensorRole.MlpNorm,
        ["post_ffw_norm.weight"] = TensorRole.PostFeedforwardNorm,
    }, [("token_embd.weight", TensorRole.Embedding), ("output_norm.weight", TensorRole.FinalNorm), ("output.weight", TensorRole.LmHead)]);

    /// <summary>GPT-2 style (Conv1D weights stored input-major).</summary>
    public static NamingScheme Gpt2 { get; } = new("gpt2", "h", new()
    {
        ["attn.c_attn.weight"] = TensorRole.FusedQkv,
        ["attn.c_attn.bias"] = TensorRole.AttentionBias,
        ["attn.c_proj.weight"] = TensorRole.AttentionOutput,
        ["mlp.c_fc.weight"] = TensorRole.Up,
        ["mlp.c_proj.weight"] = TensorRole.Down,
        ["ln_1.weight"] = TensorRole.AttentionNorm,
        ["ln_2.weight"] = TensorRole.MlpNorm,
    }, [("wte.weight", TensorRole.Embedding), ("wpe.weight", TensorRole.PositionEmbedding), ("ln_f.weight", TensorRole.FinalNorm), ("lm_head.weight", TensorRole.LmHead)]);

    public static IReadOnlyList<NamingScheme> All { get; } = [HuggingFace, Gguf, Gpt2];

    public string Name { get; }

    /// <summary>The role of <paramref name="name"/> and its layer (null for model-wide tensors), if this scheme knows it.</summary>
    public bool TryClassify(string name, out TensorRole role, out int? layer)
    {
        layer = null;
        string[] segments = name.Split('.');
        for (int i = 0; i + 2 < segments.Length; i++)
        {
            if (segments[i] == _layerContainer && IsLayerNumber(segments[i + 1], out int index))
            {
                layer = index;
                return _layerRoles.TryGetValue(string.Join('.', segments, i + 2, segments.Length - i - 2), out role);
            }
        }

        foreach ((string suffix, TensorRole globalRole) in _globalRoles)
        {
            if (name == suffix || (name.EndsWith(suffix, StringComparison.Ordinal) && name[^(suffix.Length + 1)] == '.'))
            {
                role = globalRole;
                return true;
            }
        }

        role = default;
        return false;
    }

    private static bool IsLayerNumber(string segment, out int index)
    {
        index = 0;
        return segment.Length is > 0 and <= 9 && segment.All(char.IsAsciiDigit) && int.TryParse(segment, out index);
    }
}
