using System.Buffers.Binary;

namespace TensorGuard.Core.Formats.Tflite;

/// <summary>
/// One table of a FlatBuffers buffer (the binary format of <c>.tflite</c> files) read straight from the mapped file.
/// Written here rather than with Google.FlatBuffers because that library reads through code generated from the schema
/// by <c>flatc</c> over a managed copy of the whole buffer, and a hostile offset there surfaces as an index exception
/// after the fact; this reader checks every offset, vtable and vector length against the file before reading it, so a
/// bad file gives one message, and the caller's fixed walk over the schema bounds the nesting depth.
/// </summary>
internal readonly struct FlatTable
{
    private readonly IByteSource _file;
    private readonly long _position;
    private readonly long _vtable;
    private readonly int _vtableLength;

    private FlatTable(IByteSource file, long position, long vtable, int vtableLength)
    {
        _file = file;
        _position = position;
        _vtable = vtable;
        _vtableLength = vtableLength;
    }

    /// <summary>The root table: the buffer starts with its offset.</summary>
    public static FlatTable Root(IByteSource file, string what) => At(file, ReadUInt32(file, 0, what), what);

    /// <summary>Field <paramref name="index"/>'s offset inside the table, or 0 when it is absent.</summary>
    private long Field(int index)
    {
        int slot = 4 + (2 * index);
        if (slot + 2 > _vtableLength)
        {
            return 0;
        }

        ushort offset = BinaryPrimitives.ReadUInt16LittleEndian(_file.Span(_vtable + slot, 2, "FlatBuffers vtable"));
        return offset == 0 ? 0 : _position + offset;
    }

    public long Int64(int index, long absent = 0) => Field(index) is long at and > 0 ? BinaryPrimitives.ReadInt64LittleEndian(Bytes(at, 8)) : absent;

    public int Int32(int index, int absent = 0) => Field(index) is long at and > 0 ? BinaryPrimitives.ReadInt32LittleEndian(Bytes(at, 4)) : absent;

    public uint UInt32(int index) => Field(index) is long at and > 0 ? BinaryPrimitives.ReadUInt32LittleEndian(Bytes(at, 4)) : 0;

    public byte Byte(int index) => Field(index) is long at and > 0 ? Bytes(at, 1)[0] : (byte)0;

    public bool Has(int index) => Field(index) > 0;

    /// <summary>A sub-table, or null when the field is absent.</summary>
    public FlatTable? Table(int index, string what) => Field(index) is long at and > 0 ? At(_file, Target(at, what), what) : null;

    /// <summary>A vector's element count and the offset of its first element, checked to fit the file; (0, 0) when absent.</summary>
    public (long Count, long Start) Vector(int index, int elementSize, string what)
    {
        if (Field(index) is not (long at and > 0))
        {
            return (0, 0);
        }

        long start = Target(at, what);
        long count = ReadUInt32(_file, start, what);
        if (count > (_file.Length - start - 4) / elementSize)
        {
            throw Corrupt(_file, $"{what} claims {count} elements of {elementSize} bytes at offset {start}, past the end of the {_file.Length}-byte file");
        }

        return (count, start + 4);
    }

    /// <summary>Element <paramref name="i"/> of a vector of tables starting at <paramref name="start"/>.</summary>
    public static FlatTable Element(IByteSource file, long start, long i, string what)
    {
        long at = start + (4 * i);
        return At(file, at + ReadUInt32(file, at, what), what);
    }

    /// <summary>A string field, cut to <paramref name="maxLength"/> bytes; null when absent.</summary>
    public string? String(int index, int maxLength, string what)
    {
        (long count, long start) = Vector(index, 1, what);
        return start == 0 ? null : new FileCursor(_file, start).ReadUtf8Prefix(count, maxLength, what);
    }

    public static ModelFormatException Corrupt(IByteSource file, string problem) => new(file.Path, $"{problem}; the TFLite file is corrupt or not TFLite");

    private ReadOnlySpan<byte> Bytes(long at, int count) => _file.Span(at, count, "FlatBuffers table");

    private long Target(long at, string what) => at + ReadUInt32(_file, at, what);

    private static FlatTable At(IByteSource file, long position, string what)
    {
        long vtable = position - BinaryPrimitives.ReadInt32LittleEndian(Read(file, position, 4, what));
        int length = BinaryPrimitives.ReadUInt16LittleEndian(Read(file, vtable, 2, what));
        int inline = BinaryPrimitives.ReadUInt16LittleEndian(Read(file, vtable + 2, 2, what));
        if (length < 4 || length % 2 != 0 || !file.Contains(vtable, length) || !file.Contains(position, inline))
        {
            throw Corrupt(file, $"{what} at offset {position} has a malformed vtable at offset {vtable}");
        }

        return new FlatTable(file, position, vtable, length);
    }

    private static long ReadUInt32(IByteSource file, long at, string what) => BinaryPrimitives.ReadUInt32LittleEndian(Read(file, at, 4, what));

    private static ReadOnlySpan<byte> Read(IByteSource file, long at, int count, string what) =>
        file.Contains(at, count) ? file.Span(at, count, what) : throw Corrupt(file, $"{what} points to offset {at}, outside the {file.Length}-byte file");
}
