namespace TensorGuard.ModelFactory;

/// <summary>Real model families whose tensor naming and shape ratios the factory imitates.</summary>
public enum ModelFamily
{
    /// <summary>Llama 3.x: separate q/k/v/o and gate/up/down, grouped-query attention, untied (8B) embeddings.</summary>
    Llama,

    /// <summary>Qwen2 / Qwen2.5: Llama layout plus q/k/v biases; small sizes tie embeddings.</summary>
    Qwen2,

    /// <summary>Gemma 2: four norms per layer stored as offsets from 1, head_dim independent of hidden size, tied embeddings.</summary>
    Gemma,

    /// <summary>Phi-3 mini: fused <c>qkv_proj</c> and <c>gate_up_proj</c>, no grouping of KV heads.</summary>
    Phi3,

    /// <summary>Phi-4: Phi-3 naming with grouped-query attention and a 3.5× MLP.</summary>
    Phi4,

    /// <summary>Mistral 7B: Llama naming and ratios with a 32k vocabulary.</summary>
    Mistral,

    /// <summary>
    /// A small image CNN (ResNet/VGG-like stem): 3×3 convolution kernels <c>[out, in, 3, 3]</c> with biases, the first
    /// over 3 colour channels, the others <see cref="Architecture.HiddenSize"/> channels wide, then a linear classifier
    /// over <see cref="Architecture.VocabSize"/> classes.
    /// </summary>
    ConvNet,

    /// <summary>
    /// A classifier head on top of a backbone: linear layers with biases, the first from the backbone's
    /// <see cref="Architecture.HiddenSize"/> features to <see cref="Architecture.IntermediateSize"/>, the others square,
    /// then a linear classifier over <see cref="Architecture.VocabSize"/> classes.
    /// </summary>
    MlpHead,
}
