namespace TensorGuard.Core.Formats.Onnx;

/// <summary>
/// A schema-free reader of the protobuf wire format over a byte range of a file (mapped, or on the Hub by byte ranges). It reads tags,
/// varints and length-delimited fields, and checks every length against the enclosing message, so a
/// hostile length can neither read outside the message nor cause an allocation.
/// </summary>
internal sealed class ProtoReader(IByteSource file, long start, long end, string what)
{
    /// <summary>Wire types (protobuf encoding guide).</summary>
    public const int Varint = 0, Fixed64 = 1, LengthDelimited = 2, Fixed32 = 5;

    private long _position = start;

    public IByteSource File => file;

    /// <summary>Offset of the next byte to read.</summary>
    public long Position => _position;

    /// <summary>Whether the message has been read to its end.</summary>
    public bool AtEnd => _position >= end;

    /// <summary>Reads the next field's number and wire type; false at the end of the message.</summary>
    public bool TryReadTag(out int field, out int wireType)
    {
        field = 0;
        wireType = 0;
        if (_position >= end)
        {
            return false;
        }

        long at = _position;
        ulong tag = ReadVarint();
        wireType = (int)(tag & 7);
        if (tag >> 3 is 0 or > int.MaxValue || wireType is 3 or 4 or 6 or 7)
        {
            throw Malformed($"has an invalid field tag {tag} at offset {at}");
        }

        field = (int)(tag >> 3);
        return true;
    }

    public ulong ReadVarint()
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (_position >= end)
            {
                throw Malformed($"ends inside a varint at offset {_position}");
            }

            byte b = file.Span(_position++, 1, what)[0];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        throw Malformed($"has a varint longer than 10 bytes at offset {_position}");
    }

    /// <summary>Reads a length-delimited field's range, checked to lie inside this message.</summary>
    public (long Offset, long Length) ReadRange()
    {
        ulong length = ReadVarint();
        if (length > (ulong)(end - _position))
        {
            throw Malformed($"has a field of {length} bytes at offset {_position}, longer than the {end - _position} bytes left in the message");
        }

        long offset = _position;
        _position += (long)length;
        return (offset, (long)length);
    }

    /// <summary>A reader over an embedded message field.</summary>
    public ProtoReader ReadMessage(string name)
    {
        (long offset, long length) = ReadRange();
        return new ProtoReader(file, offset, offset + length, name);
    }

    public string ReadString(string name)
    {
        (long offset, long length) = ReadRange();
        var cursor = new FileCursor(file, offset);
        return cursor.ReadUtf8Prefix(length, 4096, name);
    }

    public ReadOnlySpan<byte> ReadFixed(int bytes)
    {
        if (bytes > end - _position)
        {
            throw Malformed($"ends inside a fixed-size field at offset {_position}");
        }

        ReadOnlySpan<byte> span = file.Span(_position, bytes, what);
        _position += bytes;
        return span;
    }

    public void Skip(int wireType)
    {
        switch (wireType)
        {
            case Varint:
                ReadVarint();
                break;
            case Fixed64:
                ReadFixed(8);
                break;
            case LengthDelimited:
                ReadRange();
                break;
            case Fixed32:
                ReadFixed(4);
                break;
            default:
                throw Malformed($"has unknown wire type {wireType}");
        }
    }

    /// <summary>Fails unless the field just read has <paramref name="expected"/> wire type.</summary>
    public void Expect(int field, int wireType, int expected, string name)
    {
        if (wireType != expected)
        {
            throw Malformed($"field {name} (number {field}) has wire type {wireType}, expected {expected}");
        }
    }

    public ModelFormatException Malformed(string problem) =>
        new(file.Path, $"{what} {problem}; the ONNX file is corrupt or not ONNX");
}
