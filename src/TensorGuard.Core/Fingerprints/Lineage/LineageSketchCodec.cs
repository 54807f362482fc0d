using System.Buffers.Binary;
using System.Text;
using TensorGuard.Core.Formats;

namespace TensorGuard.Core.Fingerprints.Lineage;

/// <summary>
/// The compact binary form of a <see cref="LineageSketch"/> (little-endian), embedded in fingerprint documents
/// as base64. Layout: "TGLS", version byte, hidden size (i64), window offset and size (i32 each); view count
/// (i32), each view: name (u16 length + UTF-8), rows and columns (i64), features-along-rows (u8), scale (f32),
/// pair correlations (i8 each); anchor count (i32), each anchor: name, token count (i32), tokens (i32 each),
/// scale (f32), values (i8, window × tokens).
/// </summary>
public static class LineageSketchCodec
{
    private const int MaxNameBytes = 4096;
    private const int MaxWindow = 1024;
    private const int MaxTokens = 1 << 16;
    private static readonly byte[] Magic = "TGLS"u8.ToArray();

    /// <summary>Encodes <paramref name="sketch"/>.</summary>
    public static byte[] Encode(LineageSketch sketch)
    {
        ArgumentNullException.ThrowIfNull(sketch);
        using var stream = new MemoryStream();
        stream.Write(Magic);
        stream.WriteByte(LineageSettings.Version);
        WriteInt64(stream, sketch.HiddenSize);
        WriteInt32(stream, sketch.WindowOffset);
        WriteInt32(stream, sketch.WindowSize);
        WriteInt32(stream, sketch.Views.Count);
        foreach (SketchedView view in sketch.Views)
        {
            WriteName(stream, view.TensorName);
            WriteInt64(stream, view.Rows);
            WriteInt64(stream, view.Columns);
            stream.WriteByte(view.FeaturesAlongRows ? (byte)1 : (byte)0);
            WriteSingle(stream, view.Scale);
            WriteSBytes(stream, view.Correlations.Span);
        }

        WriteInt32(stream, sketch.Anchors.Count);
        foreach (TokenAnchor anchor in sketch.Anchors)
        {
            WriteName(stream, anchor.View);
            WriteInt32(stream, anchor.Tokens.Count);
            foreach (int token in anchor.Tokens)
            {
                WriteInt32(stream, token);
            }

            WriteSingle(stream, anchor.Scale);
            WriteSBytes(stream, anchor.Values.Span);
        }

        return stream.ToArray();
    }

    /// <summary>Decodes and validates a sketch.</summary>
    /// <exception cref="InvalidInputException">The bytes are not a valid version-1 sketch; the message says where.</exception>
    public static LineageSketch Decode(ReadOnlySpan<byte> bytes)
    {
        var reader = new Reader(bytes);
        if (!reader.Take(Magic.Length).SequenceEqual(Magic))
        {
            throw Invalid("it does not start with the TGLS signature", 0);
        }

        int version = reader.Byte();
        if (version != LineageSettings.Version)
        {
            throw Invalid($"its version {version} is not supported (this build reads version {LineageSettings.Version}); recompute it with this tensorguard", Magic.Length);
        }

        long hidden = reader.Int64();
        int offset = reader.Int32();
        int window = reader.Int32();
        if (hidden < 0 || window < 0 || window > MaxWindow || offset < 0 || offset + (long)window > hidden)
        {
            throw Invalid($"its window ({offset}, {window}) does not fit hidden size {hidden}", reader.Position);
        }

        int pairs = FeatureCorrelations.PairCount(window);
        var views = new SketchedView[reader.Count(minimumBytesEach: 2 + 8 + 8 + 1 + 4 + pairs)];
        for (int i = 0; i < views.Length; i++)
        {
            string name = reader.Name();
            long rows = reader.Int64();
            long columns = reader.Int64();
            bool alongRows = reader.Byte() switch
            {
                0 => false,
                1 => true,
                _ => throw Invalid($"view {i} has an orientation flag other than 0 or 1", reader.Position - 1),
            };
            float scale = reader.Scale();
            if (rows < 1 || columns < 1 || (alongRows ? rows : columns) != hidden)
            {
                throw Invalid($"view {i} has shape [{rows}, {columns}], whose feature axis is not the hidden size {hidden}", reader.Position);
            }

            views[i] = new SketchedView(name, rows, columns, alongRows, scale, reader.SBytes(pairs));
        }

        var anchors = new TokenAnchor[reader.Count(minimumBytesEach: 2 + 4 + 4)];
        for (int i = 0; i < anchors.Length; i++)
        {
            string name = reader.Name();
            int tokenCount = reader.Int32();
            if (tokenCount < 0 || tokenCount > MaxTokens)
            {
                throw Invalid($"anchor {i} has {tokenCount} tokens (at most {MaxTokens})", reader.Position);
            }

            var tokens = new int[tokenCount];
            for (int t = 0; t < tokenCount; t++)
            {
                tokens[t] = reader.Int32();
                if (tokens[t] < 0 || (t > 0 && tokens[t] <= tokens[t - 1]))
                {
                    throw Invalid($"anchor {i} lists its tokens out of ascending order", reader.Position);
                }
            }

            float scale = reader.Scale();
            anchors[i] = new TokenAnchor(name, tokens, scale, reader.SBytes(checked(window * tokenCount)));
        }

        if (!reader.AtEnd)
        {
            throw Invalid("it has bytes after its last anchor", reader.Position);
        }

        return new LineageSketch(hidden, offset, window, views, anchors);
    }

    private static InvalidInputException Invalid(string problem, long position) =>
        new($"invalid lineage sketch at byte {position}: {problem}");

    private static void WriteInt32(Stream stream, int value)
    {
        Span<byte> buffer = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(buffer, value);
        stream.Write(buffer);
    }

    private static void WriteInt64(Stream stream, long value)
    {
        Span<byte> buffer = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(buffer, value);
        stream.Write(buffer);
    }

    private static void WriteSingle(Stream stream, float value)
    {
        Span<byte> buffer = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(buffer, value);
        stream.Write(buffer);
    }

    private static void WriteSBytes(Stream stream, ReadOnlySpan<sbyte> values)
    {
        foreach (sbyte value in values)
        {
            stream.WriteByte(unchecked((byte)value));
        }
    }

    private static void WriteName(Stream stream, string name)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(name);
        int length = Math.Min(utf8.Length, MaxNameBytes);
        Span<byte> prefix = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(prefix, (ushort)length);
        stream.Write(prefix);
        stream.Write(utf8, 0, length);
    }

    private ref struct Reader(ReadOnlySpan<byte> bytes)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;

        public int Position { get; private set; }

        public readonly bool AtEnd => Position == _bytes.Length;

        public ReadOnlySpan<byte> Take(int count)
        {
            if (count < 0 || count > _bytes.Length - Position)
            {
                throw Invalid($"it ends early (needs {count} more bytes, has {_bytes.Length - Position})", Position);
            }

            ReadOnlySpan<byte> taken = _bytes.Slice(Position, count);
            Position += count;
            return taken;
        }

        public byte Byte() => Take(1)[0];

        public int Int32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

        public long Int64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

        /// <summary>A count of items, each at least <paramref name="minimumBytesEach"/> long, that the remaining bytes can hold.</summary>
        public int Count(int minimumBytesEach)
        {
            int count = Int32();
            if (count < 0 || (long)count * minimumBytesEach > _bytes.Length - Position)
            {
                throw Invalid($"it announces {count} items but has only {_bytes.Length - Position} bytes left", Position - 4);
            }

            return count;
        }

        public float Scale()
        {
            float scale = BinaryPrimitives.ReadSingleLittleEndian(Take(4));
            return float.IsFinite(scale) && scale > 0f ? scale : throw Invalid($"a quantization scale is {scale}, not a positive number", Position - 4);
        }

        public string Name()
        {
            int length = BinaryPrimitives.ReadUInt16LittleEndian(Take(2));
            return length > MaxNameBytes
                ? throw Invalid($"a name is {length} bytes long (at most {MaxNameBytes})", Position - 2)
                : UntrustedText.Printable(Encoding.UTF8.GetString(Take(length)));
        }

        public sbyte[] SBytes(int count)
        {
            ReadOnlySpan<byte> raw = Take(count);
            var values = new sbyte[count];
            for (int i = 0; i < count; i++)
            {
                values[i] = unchecked((sbyte)raw[i]);
            }

            return values;
        }
    }
}
