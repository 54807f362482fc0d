using System.Text.Json;

namespace TensorGuard.Core.Formats.Architecture;

/// <summary>
/// The architecture fields of a Hugging Face <c>config.json</c>, under their transformers names and the
/// GPT-2 aliases. Multimodal configs keep the language model under <c>text_config</c>; we read that when
/// the top level has no hidden size. Absent and null fields are null.
/// </summary>
public sealed record HuggingFaceConfig(
    string Path,
    string? ModelType,
    long? HiddenSize,
    long? Layers,
    long? AttentionHeads,
    long? KeyValueHeads,
    long? HeadDim,
    long? IntermediateSize,
    long? VocabularySize,
    bool? TiedEmbeddings)
{
    /// <summary>The conventional file name.</summary>
    public const string FileName = "config.json";

    private const long MaxBytes = 16L * 1024 * 1024;
    private const int MaxJsonDepth = 64;

    /// <summary>Reads <c>config.json</c> from <paramref name="directory"/>; null when there is none.</summary>
    /// <exception cref="ModelFormatException">The file exists but is unreadable, too large or malformed.</exception>
    public static HuggingFaceConfig? TryRead(string? directory)
    {
        if (directory is null)
        {
            return null;
        }

        string path = System.IO.Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        byte[] bytes;
        try
        {
            RegularFile.Require(path, FileName);
            long length = new FileInfo(path).Length;
            if (length > MaxBytes)
            {
                throw new ModelFormatException(path, $"config.json is {length} bytes, over the {MaxBytes}-byte limit");
            }

            bytes = length == 0 ? [] : File.ReadAllBytes(path);
        }
        catch (Exception error) when (FileErrors.IsFileSystemError(error))
        {
            throw new ModelFormatException(path, $"cannot read config.json ({FileErrors.Describe(error)})");
        }

        using JsonDocument document = UntrustedJson.Parse(path, bytes, MaxJsonDepth, "config.json");
        return Parse(path, document.RootElement);
    }

    /// <summary>Reads the fields from a parsed <c>config.json</c> object.</summary>
    public static HuggingFaceConfig Parse(string path, JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new ModelFormatException(path, $"config.json must be a JSON object, found {root.ValueKind}");
        }

        JsonElement text = !root.TryGetProperty("hidden_size", out _) && !root.TryGetProperty("n_embd", out _)
            && root.TryGetProperty("text_config", out JsonElement nested) && nested.ValueKind == JsonValueKind.Object
                ? nested
                : root;
        return new HuggingFaceConfig(
            path,
            String(path, root, "model_type"),
            Count(path, text, "hidden_size", "n_embd"),
            Count(path, text, "num_hidden_layers", "n_layer"),
            Count(path, text, "num_attention_heads", "n_head"),
            Count(path, text, "num_key_value_heads"),
            Count(path, text, "head_dim"),
            Count(path, text, "intermediate_size", "n_inner"),
            Count(path, text, "vocab_size"),
            Flag(path, root, text, "tie_word_embeddings"));
    }

    private static JsonElement? Field(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private static string? String(string path, JsonElement element, string name) => Field(element, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } value => value.GetString(),
        { } value => throw new ModelFormatException(path, $"config.json field {name} must be a string, found {value.ValueKind}"),
    };

    private static long? Count(string path, JsonElement element, params string[] names)
    {
        foreach (string name in names)
        {
            if (Field(element, name) is not { } value)
            {
                continue;
            }

            if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out long count) || count <= 0)
            {
                throw new ModelFormatException(path, $"config.json field {name} must be a positive integer, found {UntrustedText.Printable(value.GetRawText())}");
            }

            return count;
        }

        return null;
    }

    // transformers reads tie_word_embeddings from the top level even for multimodal models.
    private static bool? Flag(string path, JsonElement root, JsonElement text, string name) => (Field(root, name) ?? Field(text, name)) switch
    {
        null => null,
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        { } value => throw new ModelFormatException(path, $"config.json field {name} must be true or false, found {UntrustedText.Printable(value.GetRawText())}"),
    };
}
