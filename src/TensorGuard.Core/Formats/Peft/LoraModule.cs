namespace TensorGuard.Core.Formats.Peft;

/// <summary>
/// One adapted module of a LoRA adapter: its factors A (rank × in) and B (out × rank) as stored in the adapter
/// file, the rank and scaling that apply to it, and the base weight it belongs to.
/// </summary>
/// <param name="ModulePath">The module's path in the model, e.g. <c>model.layers.0.self_attn.q_proj</c>.</param>
/// <param name="Embedding">
/// An embedding adapter (<c>lora_embedding_A</c>, rank × vocabulary, and <c>lora_embedding_B</c>, hidden × rank):
/// PEFT adds (B·A)ᵀ to the vocabulary × hidden weight.
/// </param>
public sealed record LoraModule(string ModulePath, TensorEntry A, TensorEntry B, int Rank, double Scaling, bool Embedding)
{
    /// <summary>Columns of A: the module's input width (vocabulary for an embedding).</summary>
    public long In => A.Shape[1];

    /// <summary>Rows of B: the module's output width (hidden size for an embedding).</summary>
    public long Out => B.Shape[0];

    /// <summary>The stored shape of the weight the module merges into, given the config's <c>fan_in_fan_out</c>.</summary>
    public IReadOnlyList<long> MergedShape(bool fanInFanOut) => Transposed(fanInFanOut) ? [In, Out] : [Out, In];

    /// <summary>Whether the base stores this weight input-major, so the update is (B·A)ᵀ.</summary>
    public bool Transposed(bool fanInFanOut) => Embedding || fanInFanOut;
}
