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

    // Real indexes list one line per tensor (about 1 MB for the largest public models); anything far
    // beyond that is not an index we should parse.
    private const long MaxIndexBytes = 64L * 1024 * 1024;
    private const string WeightMapKey = "weight_map";
    private const int MaxJsonDepth = 8;

    private SafetensorsIndex(IReadOnlyDictionary<string, string> weightMap) => WeightMap = weightMap;

    /// <summary>Tensor name → shard file name.</summary>
    public IReadOnlyDictionary<string, string> WeightMap { get; }

    /// <summary>Distinct shard file names, sorted.</summary>
    public IReadOnlyList<string> Shards => WeightMap.Values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();

    /// <exception cref="ModelFormatException">The index is unreadable, malformed or names unsafe shard paths.</exception>
    public static SafetensorsIndex Read(string path)
    {
        byte[] bytes = ReadBounded(path);
        using JsonDocument document = UntrustedJson.Parse(path, bytes, MaxJsonDepth, "index");
        if (document.RootElement.ValueKind != JsonValueKind.Object
            || document.RootElement.EnumerateObject().Count(p => p.NameEquals(WeightMapKey)) != 1
            || !document.RootElement.TryGetProperty(WeightMapKey, out JsonElement map)
            || map.ValueKind != JsonValueKind.Object)
        {
            throw new ModelFormatException(path, "index needs exactly one \"weight_map\" object; expected {\"metadata\": {...}, \"weight_map\": {tensor: shard}}");
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

    private static byte[] ReadBounded(string path)
    {
        try
        {
            RegularFile.Require(path, "the index");
            var info = new FileInfo(path);
            if (info.Length > MaxIndexBytes)
            {
                throw new ModelFormatException(path, $"index is {info.Length} bytes, over the {MaxIndexBytes}-byte limit");
            }

            // FIFOs and devices report 0 bytes; reading them could block forever.
            if (info.Length == 0)
            {
                throw new ModelFormatException(path, "index is empty (0 bytes) or not a regular file");
            }

            return File.ReadAllBytes(path);
        }
        catch (Exception error) when (FileErrors.IsFileSystemError(error))
        {
            throw new ModelFormatException(path, $"cannot read the index ({FileErrors.Describe(error)})");
        }
    }
}
