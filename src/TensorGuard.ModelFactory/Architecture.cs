namespace TensorGuard.ModelFactory;

/// <summary>
/// Shape of a test model. <see cref="Default"/> gives small widths (fast, well under a few MB) with the
/// ratios of a real member of each family; change any field with <c>with</c>, e.g.
/// <c>Architecture.Default(ModelFamily.Llama) with { HiddenSize = 256, IntermediateSize = 896 }</c>.
/// </summary>
public sealed record Architecture(
    ModelFamily Family,
    int HiddenSize,
    int Layers,
    int AttentionHeads,
    int KeyValueHeads,
    int HeadDim,
    int IntermediateSize,
    int VocabSize,
    bool TiedEmbeddings)
{
    /// <summary>
    /// Small stand-ins: Llama 3.1 8B (MLP 3.5×, grouped KV heads, untied), Qwen2.5 3B (MLP 5.375×, tied),
    /// Gemma 2 2B (MLP 4×, 8 query heads of a width unrelated to hidden, tied), Phi-3 mini (MLP 8/3×,
    /// no GQA, untied), Phi-4 (MLP 3.5×, 4:1 GQA, untied), Mistral 7B (Llama ratios, vocabulary ¼ of Llama 3's).
    /// </summary>
    public static Architecture Default(ModelFamily family) => family switch
    {
        ModelFamily.Llama => new(family, HiddenSize: 64, Layers: 4, AttentionHeads: 4, KeyValueHeads: 2, HeadDim: 16, IntermediateSize: 224, VocabSize: 512, TiedEmbeddings: false),
        ModelFamily.Qwen2 => new(family, HiddenSize: 64, Layers: 4, AttentionHeads: 8, KeyValueHeads: 1, HeadDim: 8, IntermediateSize: 344, VocabSize: 608, TiedEmbeddings: true),
        ModelFamily.Gemma => new(family, HiddenSize: 72, Layers: 4, AttentionHeads: 4, KeyValueHeads: 2, HeadDim: 16, IntermediateSize: 288, VocabSize: 1024, TiedEmbeddings: true),
        ModelFamily.Phi3 => new(family, HiddenSize: 96, Layers: 4, AttentionHeads: 6, KeyValueHeads: 6, HeadDim: 16, IntermediateSize: 256, VocabSize: 128, TiedEmbeddings: false),
        ModelFamily.Phi4 => new(family, HiddenSize: 64, Layers: 4, AttentionHeads: 4, KeyValueHeads: 1, HeadDim: 16, IntermediateSize: 224, VocabSize: 400, TiedEmbeddings: false),
        ModelFamily.Mistral => new(family, HiddenSize: 64, Layers: 4, AttentionHeads: 4, KeyValueHeads: 1, HeadDim: 16, IntermediateSize: 224, VocabSize: 128, TiedEmbeddings: false),

        // Not transformers: heads and head_dim are unused (kept valid); VocabSize counts classes.
        ModelFamily.ConvNet => new(family, HiddenSize: 32, Layers: 6, AttentionHeads: 1, KeyValueHeads: 1, HeadDim: 2, IntermediateSize: 32, VocabSize: 10, TiedEmbeddings: false),
        ModelFamily.MlpHead => new(family, HiddenSize: 64, Layers: 4, AttentionHeads: 1, KeyValueHeads: 1, HeadDim: 2, IntermediateSize: 96, VocabSize: 10, TiedEmbeddings: false),
        _ => throw new ArgumentOutOfRangeException(nameof(family), family, "Unknown family."),
    };

    /// <summary>
    /// <see cref="ModelFamily.ConvNet"/> only: the spatial dimensions of its kernels, 2 for images (<c>[out, in, 3, 3]</c>)
    /// or 3 for video and volumes (<c>[out, in, 3, 3, 3]</c>); 1 for audio (<c>[out, in, 3]</c>).
    /// </summary>
    public int ConvolutionDimensions { get; init; } = 2;

    /// <summary>Whether the family is a transformer (embeddings, attention, MLP) rather than a CNN or an MLP head.</summary>
    public bool IsTransformer => Family is not (ModelFamily.ConvNet or ModelFamily.MlpHead);

    /// <summary>Phi-3/Phi-4 store q, k, v as one <c>qkv_proj</c> and gate, up as one <c>gate_up_proj</c>.</summary>
    public bool FusedProjections => Family is ModelFamily.Phi3 or ModelFamily.Phi4;

    /// <summary>Qwen2 carries biases on q, k and v.</summary>
    public bool AttentionBiases => Family is ModelFamily.Qwen2;

    /// <summary>Gemma 2 normalises before and after both attention and MLP.</summary>
    public bool SandwichNorms => Family is ModelFamily.Gemma;

    /// <summary>Gemma's RMSNorm multiplies by (1 + w), so stored norm weights sit near 0 instead of 1.</summary>
    public bool NormsStoredAsOffset => Family is ModelFamily.Gemma;

    /// <summary>Rows of the query projection (heads × head_dim).</summary>
    public int QueryWidth => AttentionHeads * HeadDim;

    /// <summary>Rows of the key (and value) projection (KV heads × head_dim).</summary>
    public int KeyValueWidth => KeyValueHeads * HeadDim;

    /// <exception cref="ArgumentException">A size is not positive or the heads do not group.</exception>
    public void Validate()
    {
        int[] sizes = [HiddenSize, Layers, AttentionHeads, KeyValueHeads, HeadDim, IntermediateSize, VocabSize];
        if (sizes.Any(size => size <= 0))
        {
            throw new ArgumentException($"Every size of {this} must be positive.");
        }

        if (ConvolutionDimensions is < 1 or > 3)
        {
            throw new ArgumentException($"Convolutions have 1 to 3 spatial dimensions, not {ConvolutionDimensions}.");
        }

        if (AttentionHeads % KeyValueHeads != 0)
        {
            throw new ArgumentException($"{AttentionHeads} attention heads do not split into groups of {KeyValueHeads} KV heads.");
        }

        if (HeadDim % 2 != 0)
        {
            throw new ArgumentException($"head_dim {HeadDim} must be even for rotary embeddings.");
        }
    }
}
