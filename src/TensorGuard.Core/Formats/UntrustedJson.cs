using System.Text.Json;
using System.Text.Unicode;

namespace TensorGuard.Core.Formats;

/// <summary>
/// Parses JSON from an untrusted file with a depth limit, rejecting invalid UTF-8 up front (System.Text.Json
/// only notices it when a string is read, and then throws a non-JSON exception), so every failure is a
/// <see cref="ModelFormatException"/>.
/// </summary>
internal static class UntrustedJson
{
    /// <param name="what">What the JSON is, for the message: "header", "index", "config.json".</param>
    public static JsonDocument Parse(string path, ReadOnlyMemory<byte> json, int maxDepth, string what)
    {
        if (!Utf8.IsValid(json.Span))
        {
            throw new ModelFormatException(path, $"{what} is not valid UTF-8");
        }

        try
        {
            return JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = maxDepth });
        }
        catch (JsonException error)
        {
            string message = error.Message;
            int end = message.IndexOf(". ", StringComparison.Ordinal);
            throw new ModelFormatException(path, $"{what} is not valid JSON ({UntrustedText.Printable(end < 0 ? message.TrimEnd('.') : message[..end])})");
        }
    }
}
