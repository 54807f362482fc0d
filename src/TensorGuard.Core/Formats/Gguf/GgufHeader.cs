using System.Globalization;
using System.Text;

namespace TensorGuard.Core.Formats.Gguf;

/// <summary>
/// The validated header of a GGUF v2/v3 file (ggml/docs/gguf.md): metadata key-values, tensor infos and the
/// aligned data section. Every count and length is checked against the bytes left in the file before
/// anything is allocated for it; tensor byte ranges must lie inside the file and must not overlap.
/// </summary>
public sealed class GgufHeader
{
    /// <summary>"GGUF" read as a little-endian uint32.</summary>
    public const uint Magic = 0x46554747;

    /// <summary>Magic, version, tensor count and key-value count.</summary>
    public const int FixedHeaderSize = 24;

    /// <summary>Data alignment when <c>general.alignment</c> is absent.</summary>
    public const uint DefaultAlignment = 32;

    /// <summary>Most dimensions a ggml tensor has (<c>GGML_MAX_DIMS</c>).</summary>
    public const int MaxDimensions = 4;

    private const int MaxKeyBytes = 65_535;
    private const int MaxNameBytes = 4096;
    private const int MaxArrayDepth = 4;
    private const int MaxRenderedArrayItems = 64;
    private const int MaxRenderedText = 65_536;
    private const string AlignmentKey = "general.alignment";

    private GgufHeader(uint version, IReadOnlyDictionary<string, GgufValue> metadata, IReadOnlyList<TensorInfo> tensors, long dataStart, uint alignment)
    {
        Version = version;
        Metadata = metadata;
        Tensors = tensors;
        DataStart = dataStart;
        Alignment = alignment;
    }

    /// <summary>GGUF version (2 or 3).</summary>
    public uint Version { get; }

    /// <summary>Metadata key-values, sorted by key.</summary>
    public IReadOnlyDictionary<string, GgufValue> Metadata { get; }

    /// <summary>Tensor infos in file order.</summary>
    public IReadOnlyList<TensorInfo> Tensors { get; }

    /// <summary>Absolute file offset of the data section.</summary>
    public long DataStart { get; }

    /// <summary>Alignment of the data section and of every tensor offset.</summary>
    public uint Alignment { get; }

    /// <summary>Value types of metadata key-values (gguf.md <c>gguf_metadata_value_type</c>).</summary>
    public enum ValueType : uint
    {
        UInt8 = 0,
        Int8 = 1,
        UInt16 = 2,
        Int16 = 3,
        UInt32 = 4,
        Int32 = 5,
        Float32 = 6,
        Bool = 7,
        String = 8,
        Array = 9,
        UInt64 = 10,
        Int64 = 11,
        Float64 = 12,
    }

    /// <summary>
    /// One tensor as stored: name, dimensions in ggml order (<c>ne[0]</c> is the row length), type and
    /// absolute byte range.
    /// </summary>
    public sealed record TensorInfo(string Name, long[] Dimensions, GgmlType Type, long Start, long ByteCount)
    {
        /// <summary>Row-major shape (outermost first), the reverse of <see cref="Dimensions"/>.</summary>
        public long[] Shape => Dimensions.Reverse().ToArray();
    }

    /// <summary>A metadata value: its type, an integer reading when it has one, and text for reports.</summary>
    public sealed record GgufValue(ValueType Type, long? Integer, string Text);

    /// <summary>Parses and validates the header of <paramref name="file"/>.</summary>
    /// <exception cref="ModelFormatException">The header is malformed or describes data outside the file.</exception>
    public static GgufHeader Read(IByteSource file)
    {
        var cursor = new FileCursor(file);
        if (cursor.ReadUInt32("magic") != Magic)
        {
            throw new ModelFormatException(file.Path, "does not start with the GGUF magic \"GGUF\"; the file is not GGUF");
        }

        uint version = cursor.ReadUInt32("version");
        if (version is not (2 or 3))
        {
            string hint = version switch
            {
                1 => "GGUF v1 is obsolete; re-convert the model with a current llama.cpp",
                0x02000000 or 0x03000000 => "the file is big-endian GGUF; convert it to little-endian",
                _ => "expected version 2 or 3",
            };
            throw new ModelFormatException(file.Path, $"unsupported GGUF version {version}; {hint}");
        }

        ulong tensorCount = cursor.ReadUInt64("tensor count");
        ulong valueCount = cursor.ReadUInt64("metadata count");

        // Each key-value takes at least 13 bytes (key length, type, one byte); each tensor info at least 24.
        CheckCount(file, cursor, valueCount, 13, "metadata key-values");
        CheckCount(file, cursor, tensorCount, 24, "tensor infos");

        var metadata = new SortedDictionary<string, GgufValue>(StringComparer.Ordinal);
        for (ulong i = 0; i < valueCount; i++)
        {
            string key = ReadString(cursor, MaxKeyBytes, "metadata key");
            var type = (ValueType)cursor.ReadUInt32($"type of metadata \"{UntrustedText.Printable(key)}\"");
            GgufValue value = ReadValue(cursor, key, type, depth: 0);
            if (!metadata.TryAdd(key, value))
            {
                throw new ModelFormatException(file.Path, $"metadata key \"{UntrustedText.Printable(key)}\" appears twice");
            }
        }

        uint alignment = ReadAlignment(file, metadata);
        var infos = new List<(string Name, long[] Dimensions, GgmlType Type, long Offset, long ByteCount)>((int)tensorCount);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (ulong i = 0; i < tensorCount; i++)
        {
            var info = ReadTensorInfo(cursor, alignment);
            if (!names.Add(info.Name))
            {
                throw new ModelFormatException(file.Path, $"tensor \"{UntrustedText.Printable(info.Name)}\" is declared twice");
            }

            infos.Add(info);
        }

        long dataStart = AlignUp(cursor.Position, alignment);
        TensorInfo[] tensors = infos
            .Select(info => new TensorInfo(info.Name, info.Dimensions, info.Type, AbsoluteOffset(file, dataStart, info.Name, info.Offset), info.ByteCount))
            .ToArray();
        CheckRanges(file, tensors);
        return new GgufHeader(version, metadata, tensors, dataStart, alignment);
    }

    private static void CheckCount(IByteSource file, FileCursor cursor, ulong count, int minimumBytes, string what)
    {
        if (count > (ulong)(cursor.Remaining / minimumBytes))
        {
            throw new ModelFormatException(file.Path, $"header declares {count} {what}, more than the {cursor.Remaining} bytes left can hold; the file is truncated or corrupt");
        }
    }

    private static string ReadString(FileCursor cursor, long maxBytes, string what) =>
        cursor.ReadUtf8(ReadLength(cursor, maxBytes, what), what);

    private static long ReadLength(FileCursor cursor, long maxBytes, string what)
    {
        ulong length = cursor.ReadUInt64($"length of {what}");
        if (length > (ulong)Math.Min(maxBytes, cursor.Remaining))
        {
            string limit = maxBytes < cursor.Remaining ? $"over the limit of {maxBytes}" : $"but only {cursor.Remaining} bytes remain";
            throw new ModelFormatException(cursor.File.Path, $"{what} at offset {cursor.Position - 8} is {length} bytes long, {limit}; the file is truncated or corrupt");
        }

        return (long)length;
    }

    private static GgufValue ReadValue(FileCursor cursor, string key, ValueType type, int depth)
    {
        string what = $"value of metadata \"{UntrustedText.Printable(key)}\"";
        switch (type)
        {
            case ValueType.UInt8:
                return Integer(type, cursor.ReadByte(what));
            case ValueType.Int8:
                return Integer(type, (sbyte)cursor.ReadByte(what));
            case ValueType.UInt16:
                return Integer(type, cursor.ReadUInt16(what));
            case ValueType.Int16:
                return Integer(type, (short)cursor.ReadUInt16(what));
            case ValueType.UInt32:
                return Integer(type, cursor.ReadUInt32(what));
            case ValueType.Int32:
                return Integer(type, cursor.ReadInt32(what));
            case ValueType.Int64:
                return Integer(type, cursor.ReadInt64(what));
            case ValueType.UInt64:
                ulong unsigned = cursor.ReadUInt64(what);
                return new GgufValue(type, unsigned <= long.MaxValue ? (long)unsigned : null, unsigned.ToString(CultureInfo.InvariantCulture));
            case ValueType.Float32:
                return new GgufValue(type, null, cursor.ReadSingle(what).ToString("R", CultureInfo.InvariantCulture));
            case ValueType.Float64:
                return new GgufValue(type, null, cursor.ReadDouble(what).ToString("R", CultureInfo.InvariantCulture));
            case ValueType.Bool:
                byte flag = cursor.ReadByte(what);
                if (flag > 1)
                {
                    throw new ModelFormatException(cursor.File.Path, $"{what} is a bool stored as {flag}; expected 0 or 1");
                }

                return new GgufValue(type, flag, flag == 1 ? "true" : "false");
            case ValueType.String:
                long length = ReadLength(cursor, cursor.Remaining, what);
                return new GgufValue(type, null, cursor.ReadUtf8Prefix(length, MaxRenderedText, what));
            case ValueType.Array:
                return ReadArray(cursor, key, depth);
            default:
                throw new ModelFormatException(cursor.File.Path, $"{what} has unknown type {(uint)type}; the file is corrupt or from a newer GGUF version");
        }
    }

    private static GgufValue ReadArray(FileCursor cursor, string key, int depth)
    {
        string what = $"array metadata \"{UntrustedText.Printable(key)}\"";
        if (depth >= MaxArrayDepth)
        {
            throw new ModelFormatException(cursor.File.Path, $"{what} nests arrays more than {MaxArrayDepth} deep");
        }

        var elementType = (ValueType)cursor.ReadUInt32($"element type of {what}");
        ulong count = cursor.ReadUInt64($"length of {what}");
        int minimumBytes = elementType switch
        {
            ValueType.UInt8 or ValueType.Int8 or ValueType.Bool => 1,
            ValueType.UInt16 or ValueType.Int16 => 2,
            ValueType.UInt32 or ValueType.Int32 or ValueType.Float32 => 4,
            ValueType.UInt64 or ValueType.Int64 or ValueType.Float64 or ValueType.String => 8,
            ValueType.Array => 12,
            _ => throw new ModelFormatException(cursor.File.Path, $"{what} has unknown element type {(uint)elementType}; the file is corrupt"),
        };
        CheckCount(cursor.File, cursor, count, minimumBytes, $"elements in {what}");

        // Large arrays (tokenizer vocabularies) are walked for validation but only summarised.
        var shown = new List<string>();
        for (ulong i = 0; i < count; i++)
        {
            GgufValue element = ReadValue(cursor, key, elementType, depth + 1);
            if (i < MaxRenderedArrayItems)
            {
                shown.Add(elementType == ValueType.String ? Quote(element.Text) : element.Text);
            }
        }

        string text = count <= MaxRenderedArrayItems
            ? "[" + string.Join(", ", shown) + "]"
            : $"[{count} {elementType.ToString().ToLowerInvariant()} values]";
        return new GgufValue(ValueType.Array, null, Bounded(text));
    }

    private static GgufValue Integer(ValueType type, long value) => new(type, value, value.ToString(CultureInfo.InvariantCulture));

    private static string Quote(string text) => new StringBuilder(text.Length + 2).Append('"').Append(text.Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"').ToString();

    private static string Bounded(string text) => text.Length <= MaxRenderedText ? text : text[..MaxRenderedText] + "…";

    private static uint ReadAlignment(IByteSource file, IReadOnlyDictionary<string, GgufValue> metadata)
    {
        if (!metadata.TryGetValue(AlignmentKey, out GgufValue? value))
        {
            return DefaultAlignment;
        }

        if (value.Type != ValueType.UInt32 || value.Integer is not > 0 || !ulong.IsPow2((ulong)value.Integer.Value))
        {
            throw new ModelFormatException(file.Path, $"{AlignmentKey} is {UntrustedText.Printable(value.Text)} ({value.Type}); it must be a uint32 power of two");
        }

        return (uint)value.Integer.Value;
    }

    private static (string Name, long[] Dimensions, GgmlType Type, long Offset, long ByteCount) ReadTensorInfo(FileCursor cursor, uint alignment)
    {
        string path = cursor.File.Path;
        string name = ReadString(cursor, MaxNameBytes, "tensor name");
        string quoted = $"tensor \"{UntrustedText.Printable(name)}\"";
        uint rank = cursor.ReadUInt32($"dimension count of {quoted}");
        if (rank is 0 or > MaxDimensions)
        {
            throw new ModelFormatException(path, $"{quoted} has {rank} dimensions; GGUF tensors have 1 to {MaxDimensions}");
        }

        var dimensions = new long[rank];
        long elements = 1;
        for (int i = 0; i < rank; i++)
        {
            ulong dimension = cursor.ReadUInt64($"dimension {i} of {quoted}");
            if (dimension > long.MaxValue || !SizeArithmetic.TryMultiply(elements, (long)dimension, out elements))
            {
                throw new ModelFormatException(path, $"{quoted} has dimensions whose element count overflows; the file is corrupt");
            }

            dimensions[i] = (long)dimension;
        }

        uint typeId = cursor.ReadUInt32($"type of {quoted}");
        GgmlType type = GgmlType.FromId(typeId)
            ?? throw new ModelFormatException(path, $"{quoted} has unknown tensor type {typeId}; the file is corrupt or from a newer llama.cpp");
        if (type.DType is null)
        {
            throw new ModelFormatException(path, $"unsupported tensor type {type.Name} in {quoted}; TensorGuard reads F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 and Q2_K to Q6_K: re-quantize the model to one of them");
        }

        if (dimensions[0] % type.BlockSize != 0)
        {
            throw new ModelFormatException(path, $"{quoted} has rows of {dimensions[0]} elements, not a multiple of the {type.Name} block size {type.BlockSize}; the file is corrupt");
        }

        ulong offset = cursor.ReadUInt64($"offset of {quoted}");
        if (offset > long.MaxValue || offset % alignment != 0)
        {
            throw new ModelFormatException(path, $"{quoted} has offset {offset}, not a multiple of the alignment {alignment}; the file is corrupt");
        }

        if (!SizeArithmetic.TryMultiply(elements / type.BlockSize, type.BlockBytes, out long byteCount))
        {
            throw new ModelFormatException(path, $"{quoted} has {elements} {type.Name} elements, whose byte size overflows 64-bit arithmetic; the file is corrupt");
        }

        return (name, dimensions, type, (long)offset, byteCount);
    }

    private static long AbsoluteOffset(IByteSource file, long dataStart, string name, long offset) =>
        SizeArithmetic.TryAdd(dataStart, offset, out long start) && start <= file.Length
            ? start
            : throw new ModelFormatException(file.Path, $"tensor \"{UntrustedText.Printable(name)}\" has data offset {offset}, past the end of the {file.Length}-byte file; the file is truncated or corrupt");

    private static long AlignUp(long position, uint alignment) => checked((position + alignment - 1) / alignment * alignment);

    private static void CheckRanges(IByteSource file, IReadOnlyList<TensorInfo> tensors)
    {
        TensorInfo? previous = null;
        foreach (TensorInfo tensor in tensors.OrderBy(t => t.Start))
        {
            if (!file.Contains(tensor.Start, tensor.ByteCount))
            {
                throw new ModelFormatException(file.Path, $"tensor \"{UntrustedText.Printable(tensor.Name)}\" needs {tensor.ByteCount} bytes at offset {tensor.Start}, past the end of the {file.Length}-byte file; the file is truncated");
            }

            if (previous is not null && tensor.Start < previous.Start + previous.ByteCount)
            {
                throw new ModelFormatException(file.Path, $"tensors \"{UntrustedText.Printable(previous.Name)}\" and \"{UntrustedText.Printable(tensor.Name)}\" overlap in the data section; the file is corrupt");
            }

            previous = tensor;
        }
    }
}
