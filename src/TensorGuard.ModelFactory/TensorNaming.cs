namespace TensorGuard.ModelFactory;

/// <summary>
/// How tensor roles become stored names: Hugging Face (<c>model.layers.3.self_attn.q_proj.weight</c>),
/// GGUF (<c>blk.3.attn_q.weight</c>), ONNX exports (<c>onnx::MatMul_788</c> for every MatMul weight, other
/// tensors keep their Hugging Face names) or any mapping of the Hugging Face names.
/// </summary>
public abstract class TensorNaming
{
    /// <summary>Hugging Face transformers names for the model's family.</summary>
    public static TensorNaming HuggingFace { get; } = new Mapped("huggingface", name => name);

    /// <summary>llama.cpp GGUF names.</summary>
    public static TensorNaming Gguf { get; } = new GgufNaming();

    /// <summary>Anonymous ONNX initializer names for MatMul weights, numbered in graph order from a seeded start.</summary>
    public static TensorNaming Onnx(long seed = 1) => new OnnxNaming(seed);

    /// <summary>Any renaming of the Hugging Face names (e.g. a prefix, or a hostile name).</summary>
    public static TensorNaming Custom(string description, Func<string, string> rename) => new Mapped(description, rename);

    /// <summary>Short description for a model's history.</summary>
    public abstract string Description { get; }

    /// <summary>Names for <paramref name="roles"/>, given in graph order.</summary>
    public abstract IReadOnlyList<string> Assign(IReadOnlyList<TensorRole> roles, Architecture architecture);

    /// <summary>The Hugging Face name of one role.</summary>
    public static string HuggingFaceName(TensorRole role, Architecture architecture)
    {
        string layer = $"model.layers.{role.Layer}.";
        return role.Kind switch
        {
            TensorKind.ConvKernel => $"features.{role.Layer}.conv.weight",
            TensorKind.ConvBias => $"features.{role.Layer}.conv.bias",
            TensorKind.Dense => $"head.layers.{role.Layer}.weight",
            TensorKind.DenseBias => $"head.layers.{role.Layer}.bias",
            TensorKind.LmHead when !architecture.IsTransformer => "classifier.weight",
            TensorKind.Embedding => "model.embed_tokens.weight",
            TensorKind.FinalNorm => "model.norm.weight",
            TensorKind.LmHead => "lm_head.weight",
            TensorKind.InputNorm => layer + "input_layernorm.weight",
            TensorKind.PostAttentionNorm => layer + "post_attention_layernorm.weight",
            TensorKind.PreFeedforwardNorm => layer + "pre_feedforward_layernorm.weight",
            TensorKind.PostFeedforwardNorm => layer + "post_feedforward_layernorm.weight",
            TensorKind.AttnQ => layer + "self_attn.q_proj.weight",
            TensorKind.AttnK => layer + "self_attn.k_proj.weight",
            TensorKind.AttnV => layer + "self_attn.v_proj.weight",
            TensorKind.AttnQBias => layer + "self_attn.q_proj.bias",
            TensorKind.AttnKBias => layer + "self_attn.k_proj.bias",
            TensorKind.AttnVBias => layer + "self_attn.v_proj.bias",
            TensorKind.AttnQkv => layer + "self_attn.qkv_proj.weight",
            TensorKind.AttnO => layer + "self_attn.o_proj.weight",
            TensorKind.MlpGate => layer + "mlp.gate_proj.weight",
            TensorKind.MlpUp => layer + "mlp.up_proj.weight",
            TensorKind.MlpGateUp => layer + "mlp.gate_up_proj.weight",
            TensorKind.MlpDown => layer + "mlp.down_proj.weight",
            _ => throw new ArgumentOutOfRangeException(nameof(role), role, "Unknown tensor kind."),
        };
    }

    public override string ToString() => Description;

    private sealed class Mapped(string description, Func<string, string> rename) : TensorNaming
    {
        public override string Description => description;

        public override IReadOnlyList<string> Assign(IReadOnlyList<TensorRole> roles, Architecture architecture) =>
            roles.Select(role => rename(HuggingFaceName(role, architecture))).ToArray();
    }

    private sealed class GgufNaming : TensorNaming
    {
        public override string Description => "gguf";

        public override IReadOnlyList<string> Assign(IReadOnlyList<TensorRole> roles, Architecture architecture) =>
            roles.Select(role => Name(role, architecture)).ToArray();

        private static string Name(TensorRole role, Architecture architecture)
        {
            string layer = $"blk.{role.Layer}.";
            return role.Kind switch
            {
                TensorKind.Embedding => "token_embd.weight",
                TensorKind.FinalNorm => "output_norm.weight",
                TensorKind.LmHead => "output.weight",
                TensorKind.InputNorm => layer + "attn_norm.weight",

                // Gemma 2's post-attention norm acts on the attention output; elsewhere it is the pre-MLP norm.
                TensorKind.PostAttentionNorm => layer + (architecture.SandwichNorms ? "post_attention_norm.weight" : "ffn_norm.weight"),
                TensorKind.PreFeedforwardNorm => layer + "ffn_norm.weight",
                TensorKind.PostFeedforwardNorm => layer + "post_ffw_norm.weight",
                TensorKind.AttnQ => layer + "attn_q.weight",
                TensorKind.AttnK => layer + "attn_k.weight",
                TensorKind.AttnV => layer + "attn_v.weight",
                TensorKind.AttnQBias => layer + "attn_q.bias",
                TensorKind.AttnKBias => layer + "attn_k.bias",
                TensorKind.AttnVBias => layer + "attn_v.bias",
                TensorKind.AttnQkv => layer + "attn_qkv.weight",
                TensorKind.AttnO => layer + "attn_output.weight",
                TensorKind.MlpGate => layer + "ffn_gate.weight",
                TensorKind.MlpUp or TensorKind.MlpGateUp => layer + "ffn_up.weight",
                TensorKind.MlpDown => layer + "ffn_down.weight",
                _ => throw new ArgumentOutOfRangeException(nameof(role), role, "Unknown tensor kind."),
            };
        }
    }

    private sealed class OnnxNaming(long seed) : TensorNaming
    {
        public override string Description => $"onnx (seed {seed})";

        public override IReadOnlyList<string> Assign(IReadOnlyList<TensorRole> roles, Architecture architecture)
        {
            // Exporters number initializers by graph node, so the counter starts somewhere and skips.
            SeededRandom random = SeededRandom.For(seed, "onnx-names");
            int counter = 100 + random.NextInt(900);
            var names = new string[roles.Count];
            for (int i = 0; i < roles.Count; i++)
            {
                if (roles[i].IsLinear)
                {
                    counter += 1 + random.NextInt(12);
                    names[i] = $"onnx::MatMul_{counter}";
                }
                else
                {
                    names[i] = HuggingFaceName(roles[i], architecture);
                }
            }

            return names;
        }
    }
}
