using System.Text.Json;

namespace TensorGuard.Core.Formats.Safetensors;

/// <summary>
/// A sharded checkpoint's <c>model.safetensors.index.json</c>: which shard holds each tensor. Shard names
/// must be plain file names next to the index, so a hostile index cannot make us read elsewhere.
/// </summary>
public sealed class SafetensorsIndex
{
    /// <summary>The conventional index file name.</summary>
    public const string FileName = "model.safetensors.index.json";

    private const long MaxIndexBytes = 64L * 1024 * 1024;

    private SafetensorsIndex(IReadOnlyDictionary<string, string> weightMap) => WeightMap = weightMap;

    /// <summary>Tensor name → shard file name.</summary>
    public IReadOnlyDictionary<string, string> WeightMap { get; }

    /// <summary>Distinct shard file names, sorted.</summary>
    public IReadOnlyList<string> Shards => WeightMap.Values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();

    /// <exception cref="ModelFormatException">The index is unreadable, malformed or names unsafe shard paths.</exception>
    public static SafetensorsIndex Read(string path)
    {
        byte[] bytes = ReadBounded(path);
        try
        {
            using JsonDocument document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 8 });
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("weight_map", out JsonElement map)
                || map.ValueKind != JsonValueKind.Object)
            {
                throw new ModelFormatException(path, "index has no \"weight_map\" object; expected {\"metadata\": {...}, \"weight_map\": {tensor: shard}}");
            }

            var weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (JsonProperty entry in map.EnumerateObject())
            {
                string tensor = UntrustedText.Printable(entry.Name);
                if (entry.Value.ValueKind != JsonValueKind.String)
                {
                    throw new ModelFormatException(path, $"weight_map entry \"{tensor}\" must name a shard file (a string)");
                }

                string shard = entry.Value.GetString()!;
                if (shard.Length == 0 || shard != System.IO.Path.GetFileName(shard) || shard is "." or "..")
                {
                    throw new ModelFormatException(path, $"weight_map entry \"{tensor}\" names shard \"{UntrustedText.Printable(shard)}\", which is not a plain file name next to the index");
                }

                if (!weightMap.TryAdd(entry.Name, shard))
                {
                    throw new ModelFormatException(path, $"weight_map names tensor \"{tensor}\" twice");
                }
            }

            if (weightMap.Count == 0)
            {
                throw new ModelFormatException(path, "weight_map is empty; the index lists no tensors");
            }

            return new SafetensorsIndex(weightMap);
        }
        catch (JsonException error)
        {
            throw new ModelFormatException(path, $"index is not valid JSON ({error.Message.Split(". ")[0]})");
        }
    }

    private static byte[] ReadBounded(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (info.Length > MaxIndexBytes)
            {
                throw new ModelFormatException(path, $"index is {info.Length} bytes, over the {MaxIndexBytes}-byte limit");
            }

            return File.ReadAllBytes(path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new ModelFormatException(path, $"cannot read the index ({error.Message})");
        }
    }
}
