using System.Text.Json;
using System.Text.Json.Nodes;
using TensorGuard.Core.Formats;

namespace TensorGuard.ModelFactory;

/// <summary>
/// A Hugging Face <c>config.json</c>. Built from the architecture by default; every field can be changed
/// or dropped (set to null) per test, and <see cref="Extra"/> adds or overrides arbitrary keys.
/// </summary>
public sealed record ModelConfig
{
    public string? ModelType { get; init; }

    public IReadOnlyList<string> Architectures { get; init; } = [];

    public int? HiddenSize { get; init; }

    public int? NumHiddenLayers { get; init; }

    public int? NumAttentionHeads { get; init; }

    public int? NumKeyValueHeads { get; init; }

    public int? HeadDim { get; init; }

    public int? IntermediateSize { get; init; }

    public int? VocabSize { get; init; }

    public bool? TieWordEmbeddings { get; init; }

    /// <summary><c>_name_or_path</c>: the id or folder the model was saved from.</summary>
    public string? NameOrPath { get; init; }

    /// <summary><c>torch_dtype</c>, e.g. <c>bfloat16</c>.</summary>
    public string? TorchDtype { get; init; }

    /// <summary>More keys, written after (and overriding) the typed ones.</summary>
    public IReadOnlyDictionary<string, JsonNode?> Extra { get; init; } = new Dictionary<string, JsonNode?>();

    /// <summary>The config a Hugging Face checkpoint of <paramref name="architecture"/> would carry.</summary>
    public static ModelConfig For(Architecture architecture, string nameOrPath, TensorDType dtype)
    {
        (string modelType, string className) = architecture.Family switch
        {
            ModelFamily.Llama => ("llama", "LlamaForCausalLM"),
            ModelFamily.Qwen2 => ("qwen2", "Qwen2ForCausalLM"),
            ModelFamily.Gemma => ("gemma2", "Gemma2ForCausalLM"),
            ModelFamily.Phi3 or ModelFamily.Phi4 => ("phi3", "Phi3ForCausalLM"),
            ModelFamily.Mistral => ("mistral", "MistralForCausalLM"),
            ModelFamily.ConvNet => ("resnet", "ResNetForImageClassification"),
            ModelFamily.MlpHead => ("mlp-head", "MlpHeadForClassification"),
            _ => throw new ArgumentOutOfRangeException(nameof(architecture), architecture.Family, "Unknown family."),
        };
        return new ModelConfig
        {
            ModelType = modelType,
            Architectures = [className],
            NameOrPath = nameOrPath,
            TorchDtype = TorchDtypeName(dtype),
        }.WithAllShapeFields(architecture);
    }

    /// <summary>
    /// This config with the shape fields taken from <paramref name="architecture"/>; fields a test removed
    /// (null) stay removed, so derivations that change shapes keep a deliberately incomplete config incomplete.
    /// </summary>
    public ModelConfig WithArchitecture(Architecture architecture) => this with
    {
        HiddenSize = HiddenSize is null ? null : architecture.HiddenSize,
        NumHiddenLayers = NumHiddenLayers is null ? null : architecture.Layers,
        NumAttentionHeads = NumAttentionHeads is null ? null : architecture.AttentionHeads,
        NumKeyValueHeads = NumKeyValueHeads is null ? null : architecture.KeyValueHeads,
        HeadDim = HeadDim is null ? null : architecture.HeadDim,
        IntermediateSize = IntermediateSize is null ? null : architecture.IntermediateSize,
        VocabSize = VocabSize is null ? null : architecture.VocabSize,
        TieWordEmbeddings = TieWordEmbeddings is null ? null : architecture.TiedEmbeddings,
    };

    private ModelConfig WithAllShapeFields(Architecture architecture) => this with
    {
        HiddenSize = architecture.HiddenSize,
        NumHiddenLayers = architecture.Layers,
        NumAttentionHeads = architecture.AttentionHeads,
        NumKeyValueHeads = architecture.KeyValueHeads,
        HeadDim = architecture.HeadDim,
        IntermediateSize = architecture.IntermediateSize,
        VocabSize = architecture.VocabSize,
        TieWordEmbeddings = architecture.TiedEmbeddings,
    };

    /// <summary>The <c>config.json</c> text (indented, keys in a fixed order).</summary>
    public string Render()
    {
        var json = new JsonObject();
        void Add(string key, JsonNode? value, bool present)
        {
            if (present)
            {
                json[key] = value;
            }
        }

        Add("_name_or_path", NameOrPath, NameOrPath is not null);
        Add("architectures", new JsonArray(Architectures.Select(a => (JsonNode?)a).ToArray()), Architectures.Count > 0);
        Add("model_type", ModelType, ModelType is not null);
        Add("hidden_size", HiddenSize, HiddenSize is not null);
        Add("intermediate_size", IntermediateSize, IntermediateSize is not null);
        Add("num_hidden_layers", NumHiddenLayers, NumHiddenLayers is not null);
        Add("num_attention_heads", NumAttentionHeads, NumAttentionHeads is not null);
        Add("num_key_value_heads", NumKeyValueHeads, NumKeyValueHeads is not null);
        Add("head_dim", HeadDim, HeadDim is not null);
        Add("vocab_size", VocabSize, VocabSize is not null);
        Add("tie_word_embeddings", TieWordEmbeddings, TieWordEmbeddings is not null);
        Add("torch_dtype", TorchDtype, TorchDtype is not null);
        foreach ((string key, JsonNode? value) in Extra.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            json[key] = value?.DeepClone();
        }

        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    internal static string TorchDtypeName(TensorDType dtype) => dtype switch
    {
        TensorDType.BF16 => "bfloat16",
        TensorDType.F16 => "float16",
        TensorDType.F8E4M3 => "float8_e4m3fn",
        _ => "float32",
    };
}
