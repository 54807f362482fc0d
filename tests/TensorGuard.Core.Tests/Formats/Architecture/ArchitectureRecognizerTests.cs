using System.Text.Json;
using TensorGuard.Core.Formats;
using TensorGuard.Core.Formats.Architecture;

namespace TensorGuard.Core.Tests.Formats.Architecture;

public sealed class ArchitectureRecognizerTests
{
    // Deliberately not the real models' sizes: recognition must follow the shapes, whatever they are.
    private const int Hidden = 48, Layers = 3, Heads = 6, KvHeads = 2, HeadDim = 8, Intermediate = 136, Vocab = 300;

    [Fact]
    public void Recognize_LlamaNamesWithConfig_TakesShapesFromWeightsAndHeadsFromConfig()
    {
        ArchitectureInfo info = ArchitectureRecognizer.Recognize(HuggingFace(), Config("mistral"));

        Assert.Equal("llama", info.Scheme);
        Assert.Equal("mistral", info.ModelType);
        Assert.Equal(new(Hidden, ValueSource.Weights), info.HiddenSize);
        Assert.Equal(new(Layers, ValueSource.Weights), info.Layers);
        Assert.Equal(new(Heads, ValueSource.Config), info.AttentionHeads);
        Assert.Equal(new(KvHeads, ValueSource.Config), info.KeyValueHeads);
        Assert.Equal(new(HeadDim, ValueSource.Derived), info.HeadDim);
        Assert.Equal(new(Intermediate, ValueSource.Weights), info.IntermediateSize);
        Assert.Equal(new(Vocab, ValueSource.Weights), info.VocabularySize);
        Assert.Equal(new(false, ValueSource.Weights), info.TiedEmbeddings);
        Assert.Empty(info.Notes);
    }

    [Fact]
    public void Recognize_WeightsAlone_LeavesHeadCountsUnknown()
    {
        ArchitectureInfo info = ArchitectureRecognizer.Recognize(HuggingFace(), null);

        Assert.Null(info.AttentionHeads);
        Assert.Null(info.KeyValueHeads);
        Assert.Null(info.HeadDim);
        Assert.Null(info.ModelType);
        Assert.Equal(new(Hidden, ValueSource.Weights), info.HiddenSize);
    }

    [Fact]
    public void Recognize_PerHeadQueryNorm_GivesHeadCountsFromWeights()
    {
        ArchitectureInfo info = ArchitectureRecognizer.Recognize(HuggingFace(extra: ["self_attn.q_norm.weight"]), null);

        Assert.Equal(new(HeadDim, ValueSource.Weights), info.HeadDim);
        Assert.Equal(new(Heads, ValueSource.Weights), info.AttentionHeads);
        Assert.Equal(new(KvHeads, ValueSource.Weights), info.KeyValueHeads);
    }

    [Theory]
    [InlineData("self_attn.q_proj.bias", "qwen2")]
    [InlineData("pre_feedforward_layernorm.weight", "gemma")]
    public void Recognize_FamilyFeature_NamesTheVariant(string feature, string scheme) =>
        Assert.Equal(scheme, ArchitectureRecognizer.Recognize(HuggingFace(extra: [feature]), null).Scheme);

    [Fact]
    public void Recognize_FusedProjectionsWithConfig_IsPhi3AndDerivesKeyValueHeads()
    {
        ArchitectureInfo info = ArchitectureRecognizer.Recognize(HuggingFace(fused: true), Config("phi3"));

        Assert.Equal("phi3", info.Scheme);
        Assert.Equal(new(Intermediate, ValueSource.Weights), info.IntermediateSize);
        Assert.Equal(new(KvHeads, ValueSource.Config), info.KeyValueHeads);
        Assert.Equal(new(KvHeads, ValueSource.Derived), ArchitectureRecognizer.Recognize(HuggingFace(fused: true), Config("phi3") with { KeyValueHeads = null }).KeyValueHeads);
    }

    [Fact]
    public void Recognize_TiedEmbeddingsWithoutHead_ReportsTied()
    {
        ArchitectureInfo info = ArchitectureRecognizer.Recognize(HuggingFace(tied: true), Config("llama") with { TiedEmbeddings = false });

        Assert.Equal(new(true, ValueSource.Weights), info.TiedEmbeddings);
        Assert.Contains("config.json says tie_word_embeddings false, but the weights have no output head", info.Notes);
    }

    [Fact]
    public void Recognize_Gpt2ConvWeightsStoredInputMajor_ReadsDimensionsAcrossOrientation()
    {
        var tensors = new List<TensorEntry> { T("wte.weight", Vocab, Hidden), T("wpe.weight", 64, Hidden), T("ln_f.weight", Hidden) };
        for (int layer = 0; layer < Layers; layer++)
        {
            tensors.AddRange([
                T($"h.{layer}.ln_1.weight", Hidden), T($"h.{layer}.attn.c_attn.weight", Hidden, 3 * Hidden),
                T($"h.{layer}.attn.c_proj.weight", Hidden, Hidden), T($"h.{layer}.mlp.c_fc.weight", Hidden, Intermediate),
                T($"h.{layer}.mlp.c_proj.weight", Intermediate, Hidden), T($"h.{layer}.ln_2.weight", Hidden)]);
        }

        ArchitectureInfo info = ArchitectureRecognizer.Recognize(tensors, Config("gpt2") with { KeyValueHeads = null });

        Assert.Equal("gpt2", info.Scheme);
        Assert.Equal((Hidden, Layers, Intermediate, Vocab), (info.HiddenSize!.Value, info.Layers!.Value, info.IntermediateSize!.Value, info.VocabularySize!.Value));
        Assert.Equal(new(Heads, ValueSource.Derived), info.KeyValueHeads);
        Assert.True(info.TiedEmbeddings!.Value);
    }

    [Fact]
    public void Recognize_GgufNames_IsGguf()
    {
        var tensors = new List<TensorEntry> { T("token_embd.weight", Vocab, Hidden), T("output_norm.weight", Hidden), T("output.weight", Vocab, Hidden) };
        for (int layer = 0; layer < Layers; layer++)
        {
            tensors.AddRange([
                T($"blk.{layer}.attn_q.weight", Heads * HeadDim, Hidden), T($"blk.{layer}.attn_k.weight", KvHeads * HeadDim, Hidden),
                T($"blk.{layer}.ffn_down.weight", Hidden, Intermediate), T($"blk.{layer}.attn_norm.weight", Hidden)]);
        }

        ArchitectureInfo info = ArchitectureRecognizer.Recognize(tensors, null);

        Assert.Equal("gguf", info.Scheme);
        Assert.Equal((Hidden, Layers, Intermediate, Vocab), (info.HiddenSize!.Value, info.Layers!.Value, info.IntermediateSize!.Value, info.VocabularySize!.Value));
        Assert.False(info.TiedEmbeddings!.Value);
    }

    [Fact]
    public void Recognize_ConfigDisagreesAndLayerDropped_ReportsNotes()
    {
        TensorEntry[] tensors = HuggingFace().Where(t => !t.Name.StartsWith("model.layers.1.", StringComparison.Ordinal)).ToArray();

        ArchitectureInfo info = ArchitectureRecognizer.Recognize(tensors, Config("llama") with { HiddenSize = 64, AttentionHeads = 4, HeadDim = 8 });

        Assert.Equal(new(2, ValueSource.Weights), info.Layers);
        Assert.Equal(
        [
            "layer numbers run to 2 but only 2 layers are present",
            "config.json says hidden_size 64, the weights have 48",
            "4 heads × head dim 8 do not match the query projection width 48",
            "config.json says num_hidden_layers 3, the weights have 2",
        ], info.Notes);
    }

    [Fact]
    public void Recognize_UnknownNames_UsesConfigAlone()
    {
        ArchitectureInfo info = ArchitectureRecognizer.Recognize([T("onnx::MatMul_788", Hidden, Hidden)], Config("llama"));

        Assert.Equal(ArchitectureRecognizer.Unknown, info.Scheme);
        Assert.Equal(new(Hidden, ValueSource.Config), info.HiddenSize);
        Assert.Equal(new(HeadDim, ValueSource.Config), info.HeadDim);
    }

    [Fact]
    public void ConfigParse_MultimodalTextConfigAndNulls_ReadsTheLanguageModel()
    {
        using JsonDocument json = JsonDocument.Parse("""
            {"model_type": "gemma3", "tie_word_embeddings": true, "text_config": {"hidden_size": 48, "num_hidden_layers": 3,
             "num_attention_heads": 6, "num_key_value_heads": null, "head_dim": 8, "vocab_size": 300}}
            """);

        HuggingFaceConfig config = HuggingFaceConfig.Parse("config.json", json.RootElement);

        Assert.Equal(new HuggingFaceConfig("config.json", "gemma3", 48, 3, 6, null, 8, null, 300, true), config);
    }

    [Theory]
    [InlineData("""{"hidden_size": "48"}""", "hidden_size must be a positive integer, found \"48\"")]
    [InlineData("""{"num_hidden_layers": -1}""", "num_hidden_layers must be a positive integer, found -1")]
    [InlineData("""{"tie_word_embeddings": 1}""", "tie_word_embeddings must be true or false")]
    [InlineData("""{"model_type": 7}""", "model_type must be a string")]
    [InlineData("""[1]""", "must be a JSON object")]
    public void ConfigParse_WrongTypes_ThrowModelFormatException(string text, string fragment)
    {
        using JsonDocument json = JsonDocument.Parse(text);

        var error = Assert.Throws<ModelFormatException>(() => HuggingFaceConfig.Parse("config.json", json.RootElement));

        Assert.Contains(fragment, error.Message, StringComparison.Ordinal);
    }

    private static HuggingFaceConfig Config(string modelType) =>
        new("config.json", modelType, Hidden, Layers, Heads, KvHeads, null, Intermediate, Vocab, null);

    private static TensorEntry T(string name, params long[] shape) => new(name, TensorDType.F32, shape, "m.safetensors");

    private static List<TensorEntry> HuggingFace(bool tied = false, bool fused = false, string[]? extra = null)
    {
        var tensors = new List<TensorEntry> { T("model.embed_tokens.weight", Vocab, Hidden), T("model.norm.weight", Hidden) };
        if (!tied)
        {
            tensors.Add(T("lm_head.weight", Vocab, Hidden));
        }

        for (int layer = 0; layer < Layers; layer++)
        {
            string p = $"model.layers.{layer}.";
            tensors.AddRange([T(p + "input_layernorm.weight", Hidden), T(p + "post_attention_layernorm.weight", Hidden),
                T(p + "self_attn.o_proj.weight", Hidden, Heads * HeadDim), T(p + "mlp.down_proj.weight", Hidden, Intermediate)]);
            tensors.AddRange(fused
                ? [T(p + "self_attn.qkv_proj.weight", (Heads + (2 * KvHeads)) * HeadDim, Hidden), T(p + "mlp.gate_up_proj.weight", 2 * Intermediate, Hidden)]
                : [T(p + "self_attn.q_proj.weight", Heads * HeadDim, Hidden), T(p + "self_attn.k_proj.weight", KvHeads * HeadDim, Hidden),
                   T(p + "self_attn.v_proj.weight", KvHeads * HeadDim, Hidden), T(p + "mlp.gate_proj.weight", Intermediate, Hidden),
                   T(p + "mlp.up_proj.weight", Intermediate, Hidden)]);
            foreach (string name in extra ?? [])
            {
                tensors.Add(name == "self_attn.q_norm.weight" ? T(p + name, HeadDim) : T(p + name, Hidden));
            }
        }

        return tensors;
    }
}
