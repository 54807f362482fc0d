using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace TensorGuard.Core;

/// <summary>
/// The JSON settings of what TensorGuard writes for people and machines alike: fingerprint and catalogue documents,
/// reports, cache entries and the CLI's machine output. Two-space indentation and <c>\n</c> line ends on every
/// platform (the same value is the same bytes), no escaping beyond what JSON requires (model names and messages stay
/// readable), camelCase keys and kebab-case enum names for serialized records.
/// </summary>
public static class JsonSettings
{
    /// <summary>For documents and reports written key by key with a <see cref="Utf8JsonWriter"/>.</summary>
    public static JsonWriterOptions Writer { get; } = new()
    {
        Indented = true,
        NewLine = "\n",
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>For records serialized whole (<see cref="JsonSerializer"/>) and for <c>JsonNode</c> trees; read-only.</summary>
    public static JsonSerializerOptions Serializer { get; } = ReadOnly(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        NewLine = "\n",
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    });

    private static JsonSerializerOptions ReadOnly(JsonSerializerOptions options)
    {
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
