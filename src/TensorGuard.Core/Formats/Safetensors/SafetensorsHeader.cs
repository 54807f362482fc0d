using System.Buffers.Binary;
using System.Text.Json;

namespace TensorGuard.Core.Formats.Safetensors;

/// <summary>
/// The validated JSON header of a safetensors file. Validation follows the reference Rust implementation
/// (huggingface/safetensors): size limit, leading <c>{</c>, known dtypes, no duplicate names, byte lengths
/// that match the shapes (checked arithmetic), and offsets that tile the data buffer with no holes or overlaps.
/// </summary>
public sealed class SafetensorsHeader
{
    /// <summary>Size of the little-endian header-length prefix.</summary>
    public const int LengthPrefixSize = 8;

    /// <summary>Largest header accepted, as in the reference implementation.</summary>
    public const long MaxHeaderLength = 100_000_000;

    private const string MetadataKey = "__metadata__";
    private const string DTypeKey = "dtype";
    private const string ShapeKey = "shape";
    private const string OffsetsKey = "data_offsets";
    private const int MaxJsonDepth = 8;

    private SafetensorsHeader(IReadOnlyList<StoredTensor> tensors, IReadOnlyDictionary<string, string> metadata, long dataStart)
    {
        Tensors = tensors;
        Metadata = metadata;
        DataStart = dataStart;
    }

    /// <summary>Tensors sorted by name.</summary>
    public IReadOnlyList<StoredTensor> Tensors { get; }

    /// <summary>The optional <c>__metadata__</c> string map.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Absolute file offset of the data buffer.</summary>
    public long DataStart { get; }

    /// <summary>A tensor's dtype, shape and byte range relative to the data buffer.</summary>
    public sealed record StoredTensor(string Name, TensorDType DType, long[] Shape, long Begin, long End);

    /// <summary>Smallest possible file: the length prefix and an empty JSON object.</summary>
    public const long MinFileLength = LengthPrefixSize + 2;

    /// <summary>Reads the length prefix of a file of <paramref name="fileLength"/> bytes and checks it.</summary>
    public static long ReadHeaderLength(string path, ReadOnlySpan<byte> prefix, long fileLength)
    {
        if (fileLength < MinFileLength || prefix.Length < LengthPrefixSize)
        {
            throw new ModelFormatException(path, $"file is {fileLength} bytes, too short for safetensors (at least {MinFileLength}); is it a safetensors file?");
        }

        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (length > MaxHeaderLength)
        {
            throw new ModelFormatException(path, $"header length {length} exceeds the limit of {MaxHeaderLength} bytes; the file is corrupt or not safetensors");
        }

        if ((long)length > fileLength - LengthPrefixSize)
        {
            throw new ModelFormatException(path, $"header length {length} runs past the end of the {fileLength}-byte file; the file is truncated");
        }

        if (length < 2)
        {
            throw new ModelFormatException(path, $"header length {length} is too small for a JSON object");
        }

        return (long)length;
    }

    /// <summary>Parses and validates the JSON header bytes of a file of <paramref name="fileLength"/> bytes.</summary>
    public static SafetensorsHeader Parse(string path, ReadOnlySpan<byte> json, long fileLength)
    {
        if (json[0] != (byte)'{')
        {
            throw new ModelFormatException(path, "header does not start with '{'; the file is not safetensors");
        }

        using (JsonDocument document = UntrustedJson.Parse(path, json.ToArray(), MaxJsonDepth, "header"))
        {
            long dataStart = LengthPrefixSize + json.Length;
            long bufferLength = fileLength - dataStart;
            var names = new HashSet<string>(StringComparer.Ordinal);
            var tensors = new List<StoredTensor>();
            IReadOnlyDictionary<string, string> metadata = new Dictionary<string, string>();
            foreach (JsonProperty property in document.RootElement.EnumerateObject())
            {
                if (!names.Add(property.Name))
                {
                    throw new ModelFormatException(path, $"header names \"{UntrustedText.Printable(property.Name)}\" twice; each tensor may appear once");
                }

                if (property.Name == MetadataKey)
                {
                    metadata = ParseMetadata(path, property.Value);
                }
                else
                {
                    tensors.Add(ParseTensor(path, property.Name, property.Value));
                }
            }

            ValidateLayout(path, tensors, bufferLength);
            tensors.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
            return new SafetensorsHeader(tensors, metadata, dataStart);
        }
    }

    private static Dictionary<string, string> ParseMetadata(string path, JsonElement element)
    {
        // The reference reads __metadata__ as Option<HashMap<String, String>>, so null means none.
        if (element.ValueKind == JsonValueKind.Null)
        {
            return new Dictionary<string, string>(StringComparer.Ordinal);
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new ModelFormatException(path, $"__metadata__ must be an object of strings, found {element.ValueKind}");
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (JsonProperty entry in element.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
            {
                throw new ModelFormatException(path, $"__metadata__ value \"{UntrustedText.Printable(entry.Name)}\" must be a string, found {entry.Value.ValueKind}");
            }

            if (!metadata.TryAdd(entry.Name, entry.Value.GetString()!))
            {
                throw new ModelFormatException(path, $"__metadata__ names \"{UntrustedText.Printable(entry.Name)}\" twice");
            }
        }

        return metadata;
    }

    private static StoredTensor ParseTensor(string path, string name, JsonElement element)
    {
        string where = $"tensor \"{UntrustedText.Printable(name)}\"";
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new ModelFormatException(path, $"{where} must be an object with dtype, shape and data_offsets");
        }

        var fields = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (JsonProperty field in element.EnumerateObject())
        {
            if (!fields.TryAdd(field.Name, field.Value) && field.Name is DTypeKey or ShapeKey or OffsetsKey)
            {
                throw new ModelFormatException(path, $"{where} has \"{field.Name}\" twice");
            }
        }

        if (!fields.TryGetValue(DTypeKey, out JsonElement dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
        {
            throw new ModelFormatException(path, $"{where} has no string \"dtype\"");
        }

        string dtypeName = dtypeElement.GetString()!;
        if (!TensorDTypes.TryParseSafetensorsName(dtypeName, out TensorDType dtype))
        {
            throw new ModelFormatException(path, $"{where} has unknown dtype \"{UntrustedText.Printable(dtypeName)}\"");
        }

        long[] shape = ReadNonNegativeIntegers(path, where, fields, ShapeKey, expectedCount: null);
        long[] offsets = ReadNonNegativeIntegers(path, where, fields, OffsetsKey, expectedCount: 2);
        if (offsets[1] < offsets[0])
        {
            throw new ModelFormatException(path, $"{where} has data_offsets [{offsets[0]}, {offsets[1]}] that end before they begin");
        }

        long byteLength;
        try
        {
            long elements = shape.Aggregate(1L, (product, dim) => checked(product * dim));
            long bits = checked(elements * dtype.BitSize());
            if (bits % 8 != 0)
            {
                throw new ModelFormatException(path, $"{where} of dtype {dtypeName} and shape [{string.Join(", ", shape)}] does not fill whole bytes");
            }

            byteLength = bits / 8;
        }
        catch (OverflowException)
        {
            throw new ModelFormatException(path, $"{where} has shape [{string.Join(", ", shape)}] whose size overflows 64 bits");
        }

        if (offsets[1] - offsets[0] != byteLength)
        {
            throw new ModelFormatException(path, $"{where} spans {offsets[1] - offsets[0]} bytes but dtype {dtypeName} and shape [{string.Join(", ", shape)}] need {byteLength}");
        }

        return new StoredTensor(name, dtype, shape, offsets[0], offsets[1]);
    }

    private static long[] ReadNonNegativeIntegers(string path, string where, Dictionary<string, JsonElement> fields, string key, int? expectedCount)
    {
        if (!fields.TryGetValue(key, out JsonElement array) || array.ValueKind != JsonValueKind.Array)
        {
            throw new ModelFormatException(path, $"{where} has no array \"{key}\"");
        }

        int count = array.GetArrayLength();
        if (expectedCount is int expected && count != expected)
        {
            throw new ModelFormatException(path, $"{where} has {count} values in \"{key}\", expected {expected}");
        }

        var values = new long[count];
        int i = 0;
        foreach (JsonElement item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long value) || value < 0)
            {
                throw new ModelFormatException(path, $"{where} has \"{key}\" entry {UntrustedText.Printable(item.GetRawText())}, which is not an integer from 0 to {long.MaxValue}");
            }

            values[i++] = value;
        }

        return values;
    }

    private static void ValidateLayout(string path, List<StoredTensor> tensors, long bufferLength)
    {
        tensors.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long expected = 0;
        foreach (StoredTensor tensor in tensors)
        {
            if (tensor.Begin != expected)
            {
                string problem = tensor.Begin < expected ? "overlaps the previous tensor" : $"leaves a hole of {tensor.Begin - expected} bytes before it";
                throw new ModelFormatException(path, $"tensor \"{UntrustedText.Printable(tensor.Name)}\" at data_offsets [{tensor.Begin}, {tensor.End}] {problem}");
            }

            expected = tensor.End;
        }

        if (expected != bufferLength)
        {
            string problem = expected > bufferLength
                ? $"tensors need {expected} data bytes but the file holds {bufferLength}; the file is truncated"
                : $"the data buffer has {bufferLength - expected} bytes that no tensor covers";
            throw new ModelFormatException(path, problem);
        }
    }
}
