namespace LineageBench;

/// <summary>Tensor shapes of a Llama-style checkpoint (HF names), enough to benchmark what reads them.</summary>
internal sealed record Shapes(int Hidden, int Intermediate, int Layers, int Vocab, int Heads, int KeyValueHeads, bool Tied)
{
    public static Shapes Parse(string name) => name switch
    {
        "1b" => new(2048, 8192, 16, 128256, 32, 8, Tied: true),
        "8b" => new(4096, 14336, 32, 128256, 32, 8, Tied: false),
        _ => throw new ArgumentException($"unknown shape set {name}; use 1b or 8b", nameof(name)),
    };

    public IEnumerable<(string Name, long[] Shape)> Tensors()
    {
        int headDim = Hidden / Heads;
        int kv = KeyValueHeads * headDim;
        yield return ("model.embed_tokens.weight", [Vocab, Hidden]);
        if (!Tied)
        {
            yield return ("lm_head.weight", [Vocab, Hidden]);
        }

        yield return ("model.norm.weight", [Hidden]);
        for (int layer = 0; layer < Layers; layer++)
        {
            string p = $"model.layers.{layer}.";
            yield return (p + "input_layernorm.weight", [Hidden]);
            yield return (p + "post_attention_layernorm.weight", [Hidden]);
            yield return (p + "self_attn.q_proj.weight", [Hidden, Hidden]);
            yield return (p + "self_attn.k_proj.weight", [kv, Hidden]);
            yield return (p + "self_attn.v_proj.weight", [kv, Hidden]);
            yield return (p + "self_attn.o_proj.weight", [Hidden, Hidden]);
            yield return (p + "mlp.gate_proj.weight", [Intermediate, Hidden]);
            yield return (p + "mlp.up_proj.weight", [Intermediate, Hidden]);
            yield return (p + "mlp.down_proj.weight", [Hidden, Intermediate]);
        }
    }
}
