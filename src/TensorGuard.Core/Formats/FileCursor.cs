using System.Buffers.Binary;
using System.Text;

namespace TensorGuard.Core.Formats;

/// <summary>
/// Sequential little-endian reads from an <see cref="IByteSource"/>, each checked against the end of the file,
/// so a declared length is validated before anything is allocated for it.
/// </summary>
public sealed class FileCursor(IByteSource file, long position = 0)
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The file read from.</summary>
    public IByteSource File { get; } = file;

    /// <summary>Offset of the next byte to read.</summary>
    public long Position { get; private set; } = position;

    /// <summary>Bytes left before the end of the file.</summary>
    public long Remaining => File.Length - Position;

    /// <summary>Takes <paramref name="count"/> bytes; <paramref name="what"/> names them in the message if the file ends first.</summary>
    public ReadOnlySpan<byte> Take(long count, string what)
    {
        if (count < 0 || count > Remaining)
        {
            throw new ModelFormatException(File.Path, $"{what} at offset {Position} needs {count} bytes but only {Remaining} remain; the file is truncated or corrupt");
        }

        ReadOnlySpan<byte> bytes = File.Span(Position, count, what);
        Position += count;
        return bytes;
    }

    public byte ReadByte(string what) => Take(1, what)[0];

    public ushort ReadUInt16(string what) => BinaryPrimitives.ReadUInt16LittleEndian(Take(2, what));

    public uint ReadUInt32(string what) => BinaryPrimitives.ReadUInt32LittleEndian(Take(4, what));

    public int ReadInt32(string what) => BinaryPrimitives.ReadInt32LittleEndian(Take(4, what));

    public ulong ReadUInt64(string what) => BinaryPrimitives.ReadUInt64LittleEndian(Take(8, what));

    public long ReadInt64(string what) => BinaryPrimitives.ReadInt64LittleEndian(Take(8, what));

    public float ReadSingle(string what) => BinaryPrimitives.ReadSingleLittleEndian(Take(4, what));

    public double ReadDouble(string what) => BinaryPrimitives.ReadDoubleLittleEndian(Take(8, what));

    /// <summary>Decodes <paramref name="count"/> bytes as strict UTF-8.</summary>
    public string ReadUtf8(long count, string what)
    {
        ReadOnlySpan<byte> bytes = Take(count, what);
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new ModelFormatException(File.Path, $"{what} at offset {Position - count} is not valid UTF-8");
        }
    }

    /// <summary>
    /// Validates <paramref name="count"/> bytes as UTF-8 but decodes only about the first
    /// <paramref name="maxBytes"/> of them, so a huge string costs no allocation of its size.
    /// </summary>
    public string ReadUtf8Prefix(long count, int maxBytes, string what)
    {
        ReadOnlySpan<byte> bytes = Take(count, what);
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
        {
            throw new ModelFormatException(File.Path, $"{what} at offset {Position - count} is not valid UTF-8");
        }

        if (bytes.Length <= maxBytes)
        {
            return StrictUtf8.GetString(bytes);
        }

        // Cut before a continuation byte (10xxxxxx) so the prefix stays valid UTF-8.
        int cut = maxBytes;
        while (cut > 0 && (bytes[cut] & 0xC0) == 0x80)
        {
            cut--;
        }

        return StrictUtf8.GetString(bytes[..cut]) + "…";
    }

    /// <summary>Moves to <paramref name="position"/>, which must lie within the file.</summary>
    public void Seek(long position, string what)
    {
        if (position < 0 || position > File.Length)
        {
            throw new ModelFormatException(File.Path, $"{what} at offset {position} lies outside the {File.Length}-byte file; the file is truncated or corrupt");
        }

        Position = position;
    }
}
