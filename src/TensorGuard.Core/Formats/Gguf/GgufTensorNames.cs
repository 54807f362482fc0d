using System.Text.RegularExpressions;

namespace TensorGuard.Core.Formats.Gguf;

/// <summary>
/// Maps llama.cpp tensor names (<c>blk.3.attn_q.weight</c>) to the Hugging Face names of the same weights
/// (<c>model.layers.3.self_attn.q_proj.weight</c>), so that fingerprints, lineage and architecture
/// recognition see one vocabulary whatever the format. Names without a known counterpart are kept.
/// </summary>
public static partial class GgufTensorNames
{
    private static readonly Dictionary<string, string> BlockParts = new(StringComparer.Ordinal)
    {
        ["attn_q"] = "self_attn.q_proj",
        ["attn_k"] = "self_attn.k_proj",
        ["attn_v"] = "self_attn.v_proj",
        ["attn_qkv"] = "self_attn.qkv_proj",
        ["attn_output"] = "self_attn.o_proj",
        ["attn_q_norm"] = "self_attn.q_norm",
        ["attn_k_norm"] = "self_attn.k_norm",
        ["attn_norm"] = "input_layernorm",
        ["post_attention_norm"] = "post_attention_layernorm",
        ["post_ffw_norm"] = "post_feedforward_layernorm",
        ["ffn_gate"] = "mlp.gate_proj",
        ["ffn_up"] = "mlp.up_proj",
        ["ffn_down"] = "mlp.down_proj",
    };

    /// <summary>How a block's tensors are laid out, which decides the names of the ambiguous ones.</summary>
    /// <param name="SandwichNorms">
    /// The block has <c>post_attention_norm</c> (Gemma 2/3), so <c>ffn_norm</c> is the pre-MLP norm rather
    /// than Hugging Face's <c>post_attention_layernorm</c>.
    /// </param>
    /// <param name="FusedGateUp">The block has no <c>ffn_gate</c> and <c>ffn_up</c> holds gate and up (Phi-3).</param>
    public readonly record struct BlockLayout(bool SandwichNorms, bool FusedGateUp);

    /// <summary>The Hugging Face name of <paramref name="name"/>, or the name itself when it has none.</summary>
    public static string ToHuggingFace(string name, Func<int, BlockLayout> layoutOf)
    {
        switch (name)
        {
            case "token_embd.weight":
                return "model.embed_tokens.weight";
            case "output_norm.weight":
                return "model.norm.weight";
            case "output_norm.bias":
                return "model.norm.bias";
            case "output.weight":
                return "lm_head.weight";
        }

        Match match = BlockName().Match(name);
        if (!match.Success || !int.TryParse(match.Groups["layer"].ValueSpan, out int layer))
        {
            return name;
        }

        string part = match.Groups["part"].Value;
        BlockLayout layout = layoutOf(layer);
        string? mapped = part switch
        {
            "ffn_norm" => layout.SandwichNorms ? "pre_feedforward_layernorm" : "post_attention_layernorm",
            "ffn_up" when layout.FusedGateUp => "mlp.gate_up_proj",
            _ => BlockParts.GetValueOrDefault(part),
        };
        return mapped is null ? name : $"model.layers.{layer}.{mapped}.{match.Groups["kind"].Value}";
    }

    /// <summary>The block number and part of a <c>blk.N.part.weight</c> name, if it is one.</summary>
    public static (int Layer, string Part)? ParseBlockName(string name)
    {
        Match match = BlockName().Match(name);
        return match.Success && int.TryParse(match.Groups["layer"].ValueSpan, out int layer) ? (layer, match.Groups["part"].Value) : null;
    }

    [GeneratedRegex(@"^blk\.(?<layer>[0-9]{1,6})\.(?<part>[a-z_]+)\.(?<kind>weight|bias)$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex BlockName();
}
