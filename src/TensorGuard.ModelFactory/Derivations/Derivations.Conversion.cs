namespace TensorGuard.ModelFactory;

public static partial class Derivations
{
    /// <summary>Renames every tensor by <paramref name="naming"/> (e.g. <see cref="TensorNaming.Gguf"/>).</summary>
    public static TestModel Rename(this TestModel model, TensorNaming naming) =>
        model.Derive($"renamed ({naming.Description})", model.Weights, naming: naming);

    /// <summary>Stores every linear weight as in × out, as ONNX keeps MatMul weights (values unchanged).</summary>
    public static TestModel TransposeLinear(this TestModel model) =>
        model.Derive("linear weights stored transposed", model.Weights.Select(t => t.Role.IsLinear ? t.WithTransposed(!t.Transposed) : t));

    /// <summary>What an ONNX export leaves: MatMul weights transposed and named <c>onnx::MatMul_N</c>.</summary>
    public static TestModel ToOnnx(this TestModel model, long seed = 1) =>
        model.TransposeLinear().Rename(TensorNaming.Onnx(seed));

    /// <summary>
    /// What llama.cpp's convert_hf_to_gguf does: for families it runs with interleaved rotary embeddings
    /// (Llama, Mistral) it reorders Q and K rows (<see cref="PermuteRotaryForGguf"/>); for Gemma, whose norms
    /// multiply by 1 + w, it stores every norm weight as w + 1 (<see cref="ShiftNormsForGguf"/>); then GGUF names.
    /// </summary>
    public static TestModel ToGguf(this TestModel model)
    {
        TestModel converted = model.Family switch
        {
            ModelFamily.Llama or ModelFamily.Mistral when !model.Architecture.FusedProjections => model.PermuteRotaryForGguf(),
            ModelFamily.Gemma => model.ShiftNormsForGguf(),
            _ => model,
        };
        return converted.Rename(TensorNaming.Gguf);
    }

    /// <summary>llama.cpp's Gemma conversion: <c>data_torch + 1</c> on every tensor whose name ends in <c>norm.weight</c>.</summary>
    public static TestModel ShiftNormsForGguf(this TestModel model) =>
        model.Derive("norm weights stored as w + 1 for GGUF", model.Weights.Select(t => t.Role.IsNorm ? t.WithValues(t.ToArray().Select(v => v + 1f).ToArray()) : t));

    /// <summary>
    /// llama.cpp's rotary "permute" of q_proj and k_proj rows (and their biases):
    /// <c>w.reshape(n_head, 2, head_dim/2, in).swapaxes(1, 2).reshape(w.shape)</c>, with the KV head count for k.
    /// </summary>
    /// <exception cref="InvalidOperationException">The model fuses q, k, v into one projection.</exception>
    public static TestModel PermuteRotaryForGguf(this TestModel model) =>
        ReorderQueryKeyRows(model, "Q/K rows permuted for GGUF rotary layout", inverse: false);

    /// <summary>Undoes <see cref="PermuteRotaryForGguf"/> (what a GGUF → Hugging Face conversion does).</summary>
    public static TestModel UnpermuteRotaryFromGguf(this TestModel model) =>
        ReorderQueryKeyRows(model, "Q/K rows restored from GGUF rotary layout", inverse: true);

    /// <summary>
    /// Row order of the GGUF rotary permute: stored row r = h·d + 2j + s holds original row h·d + s·d/2 + j
    /// (head h, pair j, half s, head width d).
    /// </summary>
    public static int[] RotaryPermutation(int heads, int headDim)
    {
        int half = headDim / 2;
        var order = new int[heads * headDim];
        for (int h = 0; h < heads; h++)
        {
            for (int j = 0; j < half; j++)
            {
                for (int s = 0; s < 2; s++)
                {
                    order[(h * headDim) + (2 * j) + s] = (h * headDim) + (s * half) + j;
                }
            }
        }

        return order;
    }

    /// <summary>
    /// An independently initialised model of identical shapes, names, dtype, card and config: the hard
    /// negative for lineage detection. Equals <see cref="TestModels.Create(Architecture, long, Core.Formats.TensorDType)"/>
    /// with <paramref name="seed"/> when applied to an unchanged base.
    /// </summary>
    public static TestModel Reinitialize(this TestModel model, long seed) =>
        model.Derive($"independently initialised (seed {seed})",
            model.Weights.Select(t => t.WithValues(WeightGenerator.Generate(t.Role, t.Shape, model.Architecture, seed))))
        .WithId($"{model.Id}-independent-s{seed}");

    private static TestModel ReorderQueryKeyRows(TestModel model, string step, bool inverse)
    {
        Architecture architecture = model.Architecture;
        if (architecture.FusedProjections)
        {
            throw new InvalidOperationException($"{model.Id} fuses q, k and v; the GGUF rotary permute applies to separate q_proj and k_proj.");
        }

        int[] Order(int heads)
        {
            int[] forward = RotaryPermutation(heads, architecture.HeadDim);
            if (!inverse)
            {
                return forward;
            }

            var backward = new int[forward.Length];
            for (int i = 0; i < forward.Length; i++)
            {
                backward[forward[i]] = i;
            }

            return backward;
        }

        return model.Derive(step, model.Weights.Select(t => t.Role.Kind switch
        {
            TensorKind.AttnQ or TensorKind.AttnQBias => t.WithValues(Matrix.GatherRows(t.Values, t.Columns, Order(architecture.AttentionHeads))),
            TensorKind.AttnK or TensorKind.AttnKBias => t.WithValues(Matrix.GatherRows(t.Values, t.Columns, Order(architecture.KeyValueHeads))),
            _ => t,
        }));
    }
}
