using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace TensorGuard.Core.Formats.PyTorch;

/// <summary>
/// The central directory of a zip archive (PKWARE APPNOTE 4.3, with zip64), read from a file (mapped, or on the Hub by byte ranges) with
/// every offset and size checked against the file. PyTorch stores tensor data uncompressed, so stored
/// entries are read in place; deflated entries are inflated only up to a caller-given limit (zip bombs).
/// </summary>
internal sealed class ZipDirectory
{
    private const uint EndSignature = 0x06054b50;
    private const uint Zip64LocatorSignature = 0x07064b50;
    private const uint Zip64EndSignature = 0x06064b50;
    private const uint CentralSignature = 0x02014b50;
    private const uint LocalSignature = 0x04034b50;
    private const int EndSize = 22;
    private const int Zip64LocatorSize = 20;
    private const int CentralSize = 46;
    private const int LocalSize = 30;
    private const int MaxCommentSize = 65_535;

    // A million storages with long names: far above any real checkpoint, and it bounds the entry table and, over the
    // Hub, the bytes read before the first tensor.
    private const long MaxDirectorySize = 128L << 20;
    private const ushort Zip64ExtraId = 0x0001;

    private readonly IByteSource _file;

    private ZipDirectory(IByteSource file, IReadOnlyDictionary<string, Entry> entries)
    {
        _file = file;
        Entries = entries;
    }

    /// <summary>Entries by name.</summary>
    public IReadOnlyDictionary<string, Entry> Entries { get; }

    /// <summary>One archive member: where its compressed bytes start, and its sizes.</summary>
    public sealed record Entry(string Name, ushort Method, long LocalHeaderOffset, long CompressedSize, long Size);

    /// <summary>Whether <paramref name="prefix"/> starts with a zip local-file header.</summary>
    public static bool HasMagic(ReadOnlySpan<byte> prefix) => prefix.Length >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(prefix) == LocalSignature;

    /// <exception cref="ModelFormatException">The archive is malformed.</exception>
    public static ZipDirectory Read(IByteSource file)
    {
        long end = FindEnd(file);
        ReadOnlySpan<byte> record = file.Span(end, EndSize, "zip end of central directory");
        long count = BinaryPrimitives.ReadUInt16LittleEndian(record[10..]);
        long size = BinaryPrimitives.ReadUInt32LittleEndian(record[12..]);
        long offset = BinaryPrimitives.ReadUInt32LittleEndian(record[16..]);
        if ((count == 0xFFFF || size == 0xFFFFFFFF || offset == 0xFFFFFFFF) && end >= Zip64LocatorSize)
        {
            ReadOnlySpan<byte> locator = file.Span(end - Zip64LocatorSize, Zip64LocatorSize, "zip64 locator");
            if (BinaryPrimitives.ReadUInt32LittleEndian(locator) == Zip64LocatorSignature)
            {
                long zip64End = Checked(file, BinaryPrimitives.ReadUInt64LittleEndian(locator[8..]), "zip64 end record offset");
                ReadOnlySpan<byte> zip64 = file.Span(zip64End, 56, "zip64 end of central directory");
                if (BinaryPrimitives.ReadUInt32LittleEndian(zip64) != Zip64EndSignature)
                {
                    throw new ModelFormatException(file.Path, "zip64 end record is missing where the locator points; the archive is corrupt");
                }

                count = Checked(file, BinaryPrimitives.ReadUInt64LittleEndian(zip64[32..]), "zip64 entry count");
                size = Checked(file, BinaryPrimitives.ReadUInt64LittleEndian(zip64[40..]), "zip64 central directory size");
                offset = Checked(file, BinaryPrimitives.ReadUInt64LittleEndian(zip64[48..]), "zip64 central directory offset");
            }
        }

        if (size > MaxDirectorySize)
        {
            throw new ModelFormatException(file.Path, $"zip central directory of {size} bytes is over the {MaxDirectorySize}-byte limit; a checkpoint's directory lists one entry per storage and is far smaller, so the archive is corrupt or crafted");
        }

        if (!file.Contains(offset, size) || count > size / CentralSize)
        {
            throw new ModelFormatException(file.Path, $"zip central directory ({count} entries, {size} bytes at offset {offset}) does not fit in the {file.Length}-byte file; the archive is truncated or corrupt");
        }

        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        var cursor = new FileCursor(file, offset);
        for (long i = 0; i < count; i++)
        {
            Entry entry = ReadCentral(file, cursor);
            if (!entries.TryAdd(entry.Name, entry))
            {
                throw new ModelFormatException(file.Path, $"zip entry \"{UntrustedText.Printable(entry.Name)}\" appears twice; the archive is ambiguous");
            }
        }

        return new ZipDirectory(file, entries);
    }

    /// <summary>
    /// The length of a stored (uncompressed) entry's bytes, checked against what the central directory alone can tell;
    /// where the bytes start needs the entry's local header (<see cref="DataOffset"/>), read when the bytes are first wanted,
    /// so that opening a remote checkpoint does not cost one request per storage.
    /// </summary>
    /// <exception cref="ModelFormatException">The entry is compressed, encrypted or cannot fit in the file.</exception>
    public long StoredLength(Entry entry)
    {
        if (entry.Method != 0 || entry.CompressedSize != entry.Size)
        {
            throw new ModelFormatException(_file.Path, $"zip entry \"{UntrustedText.Printable(entry.Name)}\" is compressed; PyTorch stores tensor data uncompressed, so re-save the checkpoint with torch.save");
        }

        if (!_file.Contains(entry.LocalHeaderOffset, LocalSize) || !_file.Contains(entry.LocalHeaderOffset + LocalSize, entry.Size))
        {
            throw new ModelFormatException(_file.Path, $"zip entry \"{UntrustedText.Printable(entry.Name)}\" ({entry.Size} bytes after offset {entry.LocalHeaderOffset}) runs past the end of the {_file.Length}-byte file; the archive is truncated");
        }

        return entry.Size;
    }

    /// <summary>The entry's bytes, inflated if deflated, refusing entries larger than <paramref name="maxBytes"/>.</summary>
    public byte[] ReadAll(Entry entry, long maxBytes)
    {
        if (entry.Size > maxBytes)
        {
            throw new ModelFormatException(_file.Path, $"zip entry \"{UntrustedText.Printable(entry.Name)}\" is {entry.Size} bytes, over the {maxBytes}-byte limit");
        }

        long offset = DataOffset(entry);
        ReadOnlySpan<byte> compressed = _file.Span(offset, entry.CompressedSize, $"zip entry \"{UntrustedText.Printable(entry.Name)}\"");
        switch (entry.Method)
        {
            case 0 when entry.CompressedSize == entry.Size:
                return compressed.ToArray();
            case 8:
                return Inflate(entry, compressed.ToArray());
            default:
                throw new ModelFormatException(_file.Path, $"zip entry \"{UntrustedText.Printable(entry.Name)}\" uses compression method {entry.Method}; only stored and deflated entries are read");
        }
    }

    private byte[] Inflate(Entry entry, byte[] compressed)
    {
        // The declared size bounds the output: a bomb that inflates further is cut off and rejected.
        var output = new byte[entry.Size];
        try
        {
            using var inflater = new DeflateStream(new MemoryStream(compressed), CompressionMode.Decompress);
            int read = inflater.ReadAtLeast(output, output.Length, throwOnEndOfStream: false);
            if (read != output.Length || inflater.ReadByte() != -1)
            {
                throw new ModelFormatException(_file.Path, $"zip entry \"{UntrustedText.Printable(entry.Name)}\" inflates to a different size than the {entry.Size} bytes declared; the archive is corrupt");
            }
        }
        catch (InvalidDataException)
        {
            throw new ModelFormatException(_file.Path, $"zip entry \"{UntrustedText.Printable(entry.Name)}\" is not valid deflate data; the archive is corrupt");
        }

        return output;
    }

    /// <summary>Absolute offset of the entry's (compressed) bytes, after its local header.</summary>
    /// <exception cref="ModelFormatException">The local header is missing, or the bytes run past the end of the file.</exception>
    public long DataOffset(Entry entry)
    {
        ReadOnlySpan<byte> local = _file.Span(entry.LocalHeaderOffset, LocalSize, $"local header of zip entry \"{UntrustedText.Printable(entry.Name)}\"");
        if (BinaryPrimitives.ReadUInt32LittleEndian(local) != LocalSignature)
        {
            throw new ModelFormatException(_file.Path, $"zip entry \"{UntrustedText.Printable(entry.Name)}\" has no local header at offset {entry.LocalHeaderOffset}; the archive is corrupt");
        }

        long start = entry.LocalHeaderOffset + LocalSize + BinaryPrimitives.ReadUInt16LittleEndian(local[26..]) + BinaryPrimitives.ReadUInt16LittleEndian(local[28..]);
        if (!_file.Contains(start, entry.CompressedSize))
        {
            throw new ModelFormatException(_file.Path, $"zip entry \"{UntrustedText.Printable(entry.Name)}\" ({entry.CompressedSize} bytes at offset {start}) runs past the end of the {_file.Length}-byte file; the archive is truncated");
        }

        return start;
    }

    private static long FindEnd(IByteSource file)
    {
        long searchStart = Math.Max(0, file.Length - EndSize - MaxCommentSize);
        ReadOnlySpan<byte> tail = file.Span(searchStart, file.Length - searchStart, "zip end of central directory");
        for (int i = tail.Length - EndSize; i >= 0; i--)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(tail[i..]) == EndSignature)
            {
                return searchStart + i;
            }
        }

        throw new ModelFormatException(file.Path, "has no zip end-of-central-directory record; the archive is truncated or not a zip file");
    }

    private static Entry ReadCentral(IByteSource file, FileCursor cursor)
    {
        ReadOnlySpan<byte> header = cursor.Take(CentralSize, "zip central directory entry");
        if (BinaryPrimitives.ReadUInt32LittleEndian(header) != CentralSignature)
        {
            throw new ModelFormatException(file.Path, $"zip central directory entry at offset {cursor.Position - CentralSize} has a bad signature; the archive is corrupt");
        }

        ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(header[8..]);
        ushort method = BinaryPrimitives.ReadUInt16LittleEndian(header[10..]);
        long compressed = BinaryPrimitives.ReadUInt32LittleEndian(header[20..]);
        long size = BinaryPrimitives.ReadUInt32LittleEndian(header[24..]);
        int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(header[28..]);
        int extraLength = BinaryPrimitives.ReadUInt16LittleEndian(header[30..]);
        int commentLength = BinaryPrimitives.ReadUInt16LittleEndian(header[32..]);
        long local = BinaryPrimitives.ReadUInt32LittleEndian(header[42..]);
        string name = Encoding.UTF8.GetString(cursor.Take(nameLength, "zip entry name"));
        ReadOnlySpan<byte> extra = cursor.Take(extraLength, "zip extra field");
        cursor.Take(commentLength, "zip entry comment");
        if ((flags & 1) != 0)
        {
            throw new ModelFormatException(file.Path, $"zip entry \"{UntrustedText.Printable(name)}\" is encrypted; it cannot be read");
        }

        ApplyZip64(file, extra, ref size, ref compressed, ref local);
        return new Entry(name, method, local, compressed, size);
    }

    // The zip64 extra field holds, in this order, only those of size, compressed size and offset that overflowed.
    private static void ApplyZip64(IByteSource file, ReadOnlySpan<byte> extra, ref long size, ref long compressed, ref long local)
    {
        while (extra.Length >= 4)
        {
            ushort id = BinaryPrimitives.ReadUInt16LittleEndian(extra);
            int length = BinaryPrimitives.ReadUInt16LittleEndian(extra[2..]);
            if (length > extra.Length - 4)
            {
                break;
            }

            ReadOnlySpan<byte> data = extra.Slice(4, length);
            if (id == Zip64ExtraId)
            {
                int at = 0;
                size = Widen(file, data, ref at, size);
                compressed = Widen(file, data, ref at, compressed);
                local = Widen(file, data, ref at, local);
            }

            extra = extra[(4 + length)..];
        }
    }

    private static long Widen(IByteSource file, ReadOnlySpan<byte> data, ref int at, long field)
    {
        if (field != 0xFFFFFFFF || at + 8 > data.Length)
        {
            return field;
        }

        long value = Checked(file, BinaryPrimitives.ReadUInt64LittleEndian(data[at..]), "zip64 size or offset");
        at += 8;
        return value;
    }

    private static long Checked(IByteSource file, ulong value, string what) =>
        value <= (ulong)file.Length ? (long)value : throw new ModelFormatException(file.Path, $"{what} {value} exceeds the {file.Length}-byte file; the archive is corrupt");
}
