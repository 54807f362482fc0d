using System.Buffers.Binary;
using System.Text;
using TensorGuard.Core.Formats;
using TensorGuard.ModelFactory;
using TensorGuard.ModelFactory.Formats;

namespace HubBench;

/// <summary>
/// A BF16 weights file of Llama shapes whose bytes are computed on demand (the values of <see cref="LazyModel"/>), so
/// the Hub stand-in can serve an 8B-shaped model without 16 GB of disk: a safetensors file, or a PyTorch zip checkpoint
/// laid out as <c>torch.save</c> writes it (data.pkl, then one stored entry per storage, zip64 records).
/// </summary>
internal sealed class SyntheticFile
{
    private const uint LocalSignature = 0x04034b50, CentralSignature = 0x02014b50, Zip64EndSignature = 0x06064b50,
        Zip64LocatorSignature = 0x07064b50, EndSignature = 0x06054b50;

    private readonly LazyModel _source;
    private readonly (long Start, byte[]? Bytes, TensorEntry? Tensor, long Length)[] _segments;

    private SyntheticFile(LazyModel source, List<(long, byte[]?, TensorEntry?, long)> segments)
    {
        _source = source;
        _segments = segments.ToArray();
        Length = segments.Count == 0 ? 0 : segments[^1].Item1 + segments[^1].Item4;
    }

    public long Length { get; }

    public static SyntheticFile Safetensors(ModelShapes shapes)
    {
        var source = new LazyModel(shapes, 1);
        var json = new StringBuilder("{");
        long offset = 0;
        foreach (TensorEntry tensor in source.Tensors)
        {
            long bytes = tensor.ElementCount * 2;
            json.Append(offset == 0 ? "" : ",").Append($"\"{tensor.Name}\":{{\"dtype\":\"BF16\",\"shape\":[{string.Join(",", tensor.Shape)}],\"data_offsets\":[{offset},{offset + bytes}]}}");
            offset += bytes;
        }

        json.Append('}');
        while ((json.Length + 8) % 8 != 0)
        {
            json.Append(' ');
        }

        byte[] text = Encoding.UTF8.GetBytes(json.ToString());
        var header = new byte[8 + text.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)text.Length);
        text.CopyTo(header, 8);
        var layout = new Layout();
        layout.Add(header);
        foreach (TensorEntry tensor in source.Tensors)
        {
            layout.Add(tensor);
        }

        return new SyntheticFile(source, layout.Segments);
    }

    public static SyntheticFile PyTorchZip(ModelShapes shapes)
    {
        var source = new LazyModel(shapes, 1);
        TensorEntry[] tensors = source.Tensors.ToArray();
        byte[] pickle = TorchCheckpointWriter.StateDict(tensors.Select(t => (t.Name, t.Shape.ToArray(), TensorDType.BF16)).ToArray(), legacy: false);
        var layout = new Layout();
        var central = new List<byte[]>();
        void Entry(string name, long size, Action<Layout> data)
        {
            central.Add(CentralHeader(name, size, layout.Position));
            layout.Add(LocalHeader(name, size));
            data(layout);
        }

        Entry("archive/data.pkl", pickle.Length, l => l.Add(pickle));
        Entry("archive/byteorder", 6, l => l.Add("little"u8.ToArray()));
        for (int i = 0; i < tensors.Length; i++)
        {
            TensorEntry tensor = tensors[i];
            Entry($"archive/data/{i}", tensor.ElementCount * 2, l => l.Add(tensor));
        }

        Entry("archive/version", 2, l => l.Add("3\n"u8.ToArray()));
        long centralStart = layout.Position;
        byte[] directory = central.SelectMany(entry => entry).ToArray();
        layout.Add(directory);
        long zip64End = layout.Position;
        var end = new byte[56 + 20 + 22];
        Span<byte> record = end;
        BinaryPrimitives.WriteUInt32LittleEndian(record, Zip64EndSignature);
        BinaryPrimitives.WriteUInt64LittleEndian(record[4..], 44);
        BinaryPrimitives.WriteUInt16LittleEndian(record[12..], 45);
        BinaryPrimitives.WriteUInt16LittleEndian(record[14..], 45);
        BinaryPrimitives.WriteUInt64LittleEndian(record[24..], (ulong)central.Count);
        BinaryPrimitives.WriteUInt64LittleEndian(record[32..], (ulong)central.Count);
        BinaryPrimitives.WriteUInt64LittleEndian(record[40..], (ulong)directory.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(record[48..], (ulong)centralStart);
        Span<byte> locator = record[56..];
        BinaryPrimitives.WriteUInt32LittleEndian(locator, Zip64LocatorSignature);
        BinaryPrimitives.WriteUInt64LittleEndian(locator[8..], (ulong)zip64End);
        BinaryPrimitives.WriteUInt32LittleEndian(locator[16..], 1);
        Span<byte> last = record[76..];
        BinaryPrimitives.WriteUInt32LittleEndian(last, EndSignature);
        BinaryPrimitives.WriteUInt16LittleEndian(last[8..], 0xFFFF);
        BinaryPrimitives.WriteUInt16LittleEndian(last[10..], 0xFFFF);
        BinaryPrimitives.WriteUInt32LittleEndian(last[12..], 0xFFFFFFFF);
        BinaryPrimitives.WriteUInt32LittleEndian(last[16..], 0xFFFFFFFF);
        layout.Add(end);
        return new SyntheticFile(source, layout.Segments);
    }

    public Stream Open() => new Reader(this);

    // Sizes and offsets go in the zip64 extra field, as torch.save writes them for large checkpoints.
    private static byte[] LocalHeader(string name, long size)
    {
        byte[] text = Encoding.UTF8.GetBytes(name);
        var header = new byte[30 + text.Length + 20];
        BinaryPrimitives.WriteUInt32LittleEndian(header, LocalSignature);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), 45);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(18), 0xFFFFFFFF);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(22), 0xFFFFFFFF);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(26), (ushort)text.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(28), 20);
        text.CopyTo(header, 30);
        WriteZip64Extra(header.AsSpan(30 + text.Length), size, size);
        return header;
    }

    private static byte[] CentralHeader(string name, long size, long localOffset)
    {
        byte[] text = Encoding.UTF8.GetBytes(name);
        var header = new byte[46 + text.Length + 28];
        BinaryPrimitives.WriteUInt32LittleEndian(header, CentralSignature);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), 45);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(6), 45);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(20), 0xFFFFFFFF);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(24), 0xFFFFFFFF);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(28), (ushort)text.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(30), 28);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(42), 0xFFFFFFFF);
        text.CopyTo(header, 46);
        WriteZip64Extra(header.AsSpan(46 + text.Length), size, size, localOffset);
        return header;
    }

    // The zip64 extended information field (id 1): the 64-bit values whose 32-bit fields hold 0xFFFFFFFF.
    private static void WriteZip64Extra(Span<byte> extra, params long[] values)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(extra, 1);
        BinaryPrimitives.WriteUInt16LittleEndian(extra[2..], (ushort)(8 * values.Length));
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(extra[(4 + (8 * i))..], (ulong)values[i]);
        }
    }

    private void Fill(long position, Span<byte> destination)
    {
        int done = 0;
        while (done < destination.Length)
        {
            long at = position + done;
            (long start, byte[]? bytes, TensorEntry? tensor, long length) = _segments[Array.FindLastIndex(_segments, segment => segment.Start <= at)];
            long within = at - start;
            if (bytes is not null)
            {
                int count = (int)Math.Min(destination.Length - done, length - within);
                bytes.AsSpan((int)within, count).CopyTo(destination[done..]);
                done += count;
                continue;
            }

            long element = within / 2;
            int elements = (int)Math.Min(((destination.Length - done) / 2) + 2, tensor!.ElementCount - element);
            var values = new float[elements];
            _source.ReadFloat32(tensor, element, values);
            var encoded = new byte[elements * 2];
            for (int i = 0; i < elements; i++)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(encoded.AsSpan(2 * i), (ushort)(BitConverter.SingleToUInt32Bits(values[i]) >> 16));
            }

            int skip = (int)(within % 2);
            int take = Math.Min(destination.Length - done, encoded.Length - skip);
            encoded.AsSpan(skip, take).CopyTo(destination[done..]);
            done += take;
        }
    }

    /// <summary>Segments laid end to end: literal bytes, or a tensor's BF16 values.</summary>
    private sealed class Layout
    {
        public List<(long Start, byte[]? Bytes, TensorEntry? Tensor, long Length)> Segments { get; } = [];

        public long Position { get; private set; }

        public void Add(byte[] bytes) => Add(bytes, null, bytes.Length);

        public void Add(TensorEntry tensor) => Add(null, tensor, tensor.ElementCount * 2);

        private void Add(byte[]? bytes, TensorEntry? tensor, long length)
        {
            Segments.Add((Position, bytes, tensor, length));
            Position += length;
        }
    }

    private sealed class Reader(SyntheticFile file) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => file.Length;

        public override long Position { get; set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = (int)Math.Min(Math.Min(count, 1 << 20), Length - Position);
            if (n <= 0)
            {
                return 0;
            }

            file.Fill(Position, buffer.AsSpan(offset, n));
            Position += n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => Position + offset,
            _ => Length + offset,
        };

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
