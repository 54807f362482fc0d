namespace TensorGuard.ModelFactory;

public static partial class Derivations
{
    /// <summary>
    /// Permutes each layer's MLP hidden neurons (the known attack on naive weight comparison): rows of gate
    /// and up (both halves of a fused gate_up alike) and the matching columns of down, so the network
    /// computes exactly the same function. Layer l uses <see cref="MlpPermutation"/>(seed, l, size).
    /// </summary>
    public static TestModel PermuteMlpNeurons(this TestModel model, long seed = 1)
    {
        int size = model.Architecture.IntermediateSize;
        return model.Derive($"MLP neurons permuted (seed {seed})", model.Weights.Select(t =>
        {
            if (t.Role.Layer == TensorRole.NoLayer)
            {
                return t;
            }

            int[] order = MlpPermutation(seed, t.Role.Layer, size);
            return t.Role.Kind switch
            {
                TensorKind.MlpGate or TensorKind.MlpUp => t.WithValues(Matrix.GatherRows(t.Values, t.Columns, order)),
                TensorKind.MlpGateUp => t.WithValues(Matrix.GatherRows(t.Values, t.Columns, [.. order, .. order.Select(i => i + size)])),
                TensorKind.MlpDown => t.WithValues(Matrix.GatherColumns(t.Values, t.Columns, order)),
                _ => t,
            };
        }));
    }

    /// <summary>
    /// Permutes the hidden (residual) dimension consistently in every tensor: columns of every matrix that
    /// reads the residual stream (embedding, LM head, q/k/v, gate/up), rows of those that write it (o, down),
    /// and every norm vector. RMSNorm commutes with the permutation, so the function is unchanged up to
    /// permuted hidden states. Uses <see cref="HiddenPermutation"/>(seed, size).
    /// </summary>
    public static TestModel PermuteHidden(this TestModel model, long seed = 1)
    {
        int[] order = HiddenPermutation(seed, model.Architecture.HiddenSize);
        return model.Derive($"hidden dimension permuted (seed {seed})", model.Weights.Select(t => t.Role.Kind switch
        {
            _ when t.Role.IsNorm => t.WithValues(Matrix.GatherRows(t.Values, 1, order)),
            TensorKind.AttnO or TensorKind.MlpDown => t.WithValues(Matrix.GatherRows(t.Values, t.Columns, order)),
            TensorKind.Embedding or TensorKind.LmHead or TensorKind.AttnQ or TensorKind.AttnK or TensorKind.AttnV
                or TensorKind.AttnQkv or TensorKind.MlpGate or TensorKind.MlpUp or TensorKind.MlpGateUp
                => t.WithValues(Matrix.GatherColumns(t.Values, t.Columns, order)),
            _ => t,
        }));
    }

    /// <summary>The MLP neuron order used for <paramref name="layer"/>: new neuron i is old neuron result[i].</summary>
    public static int[] MlpPermutation(long seed, int layer, int size) =>
        SeededRandom.For(seed, $"mlp-permutation/{layer}").Permutation(size);

    /// <summary>The hidden-dimension order: new channel i is old channel result[i].</summary>
    public static int[] HiddenPermutation(long seed, int size) =>
        SeededRandom.For(seed, "hidden-permutation").Permutation(size);
}
