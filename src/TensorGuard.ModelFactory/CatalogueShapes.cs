namespace TensorGuard.ModelFactory;

/// <summary>
/// The shapes of every base in <c>policies/catalogue.yml</c>, by catalogue id, copied from each base's published
/// config.json (hidden size, intermediate size, layers, vocabulary, attention and key/value heads, tied embeddings,
/// q/k/v biases), so benches can serve and check lazily generated weights of the real catalogue's sizes. The factory's
/// layout is Llama's: bases that fuse q/k/v or gate/up (Phi-3), set a head size other than hidden / heads (Mistral
/// Nemo) or add norms (OLMo 2, Gemma) have the same matrices' element counts here, not their exact tensor list.
/// </summary>
public static class CatalogueShapes
{
    /// <summary>Catalogue id → shapes.</summary>
    public static readonly IReadOnlyDictionary<string, ModelShapes> ById = new[]
    {
        Shapes("llama-3.1-8b", 4096, 14336, 32, 128256, 32, 8, tied: false),
        Shapes("llama-3.1-70b", 8192, 28672, 80, 128256, 64, 8, tied: false),
        Shapes("llama-3.2-1b", 2048, 8192, 16, 128256, 32, 8, tied: true),
        Shapes("llama-3.2-3b", 3072, 8192, 28, 128256, 24, 8, tied: true),
        Shapes("llama-3.3-70b-instruct", 8192, 28672, 80, 128256, 64, 8, tied: false),
        Shapes("gemma-2-2b", 2304, 9216, 26, 256000, 8, 4, tied: true),
        Shapes("gemma-2-9b", 3584, 14336, 42, 256000, 16, 8, tied: true),
        Shapes("gemma-3-1b-pt", 1152, 6912, 26, 262144, 4, 1, tied: true),
        Shapes("gemma-3-4b-pt", 2560, 10240, 34, 262208, 8, 4, tied: true),
        Shapes("gemma-3-12b-pt", 3840, 15360, 48, 262208, 16, 8, tied: true),
        Shapes("qwen2.5-0.5b", 896, 4864, 24, 151936, 14, 2, tied: true, qkvBias: true),
        Shapes("qwen2.5-1.5b", 1536, 8960, 28, 151936, 12, 2, tied: true, qkvBias: true),
        Shapes("qwen2.5-3b", 2048, 11008, 36, 151936, 16, 2, tied: true, qkvBias: true),
        Shapes("qwen2.5-7b", 3584, 18944, 28, 152064, 28, 4, tied: false, qkvBias: true),
        Shapes("qwen2.5-14b", 5120, 13824, 48, 152064, 40, 8, tied: false, qkvBias: true),
        Shapes("qwen2.5-32b", 5120, 27648, 64, 152064, 40, 8, tied: false, qkvBias: true),
        Shapes("qwen3-0.6b-base", 1024, 3072, 28, 151936, 16, 8, tied: true),
        Shapes("qwen3-1.7b-base", 2048, 6144, 28, 151936, 16, 8, tied: true),
        Shapes("qwen3-4b-base", 2560, 9728, 36, 151936, 32, 8, tied: true),
        Shapes("qwen3-8b-base", 4096, 12288, 36, 151936, 32, 8, tied: false),
        Shapes("qwen3-14b-base", 5120, 17408, 40, 151936, 40, 8, tied: false),
        Shapes("qwen3-32b", 5120, 25600, 64, 151936, 64, 8, tied: false),
        Shapes("mistral-7b-v0.1", 4096, 14336, 32, 32000, 32, 8, tied: false),
        Shapes("mistral-7b-v0.3", 4096, 14336, 32, 32768, 32, 8, tied: false),
        Shapes("mistral-nemo-base-2407", 5120, 14336, 40, 131072, 32, 8, tied: false),
        Shapes("phi-3-mini-4k-instruct", 3072, 8192, 32, 32064, 32, 32, tied: false),
        Shapes("phi-3.5-mini-instruct", 3072, 8192, 32, 32064, 32, 32, tied: false),
        Shapes("phi-4", 5120, 17920, 40, 100352, 40, 10, tied: false),
        Shapes("olmo-2-1124-7b", 4096, 11008, 32, 100352, 32, 32, tied: false),
        Shapes("olmo-2-1124-13b", 5120, 13824, 40, 100352, 40, 40, tied: false),
        Shapes("smollm2-360m", 960, 2560, 32, 49152, 15, 5, tied: true),
        Shapes("smollm2-1.7b", 2048, 8192, 24, 49152, 32, 32, tied: true),
        Shapes("tinyllama-1.1b-3t", 2048, 5632, 22, 32000, 32, 4, tied: false),
        Shapes("open-llama-3b-v2", 3200, 8640, 26, 32000, 32, 32, tied: false),
        Shapes("open-llama-7b-v2", 4096, 11008, 32, 32000, 32, 32, tied: false),
    }.ToDictionary(s => s.Name, StringComparer.Ordinal);

    private static ModelShapes Shapes(string id, int hidden, int intermediate, int layers, int vocab, int heads, int keyValueHeads, bool tied, bool qkvBias = false) =>
        new(id, hidden, intermediate, layers, vocab, heads, keyValueHeads, tied, qkvBias);
}
