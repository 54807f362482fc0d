using System.Buffers.Binary;
using System.Text;
using TensorGuard.Core.Formats;
using TensorGuard.ModelFactory;

namespace HubBench;

/// <summary>
/// A BF16 safetensors file of Llama shapes whose bytes are computed on demand (the values of <see cref="LazyModel"/>),
/// so the Hub stand-in can serve an 8B-shaped model without 16 GB of disk.
/// </summary>
internal sealed class SyntheticSafetensors
{
    private readonly LazyModel _source;
    private readonly byte[] _header;
    private readonly (TensorEntry Tensor, long Start)[] _layout;

    public SyntheticSafetensors(ModelShapes shapes)
    {
        _source = new LazyModel(shapes, 1);
        var json = new StringBuilder("{");
        var layout = new List<(TensorEntry, long)>();
        long offset = 0;
        foreach (TensorEntry tensor in _source.Tensors)
        {
            long bytes = tensor.ElementCount * 2;
            json.Append(layout.Count == 0 ? "" : ",").Append($"\"{tensor.Name}\":{{\"dtype\":\"BF16\",\"shape\":[{string.Join(",", tensor.Shape)}],\"data_offsets\":[{offset},{offset + bytes}]}}");
            layout.Add((tensor, offset));
            offset += bytes;
        }

        json.Append('}');
        while ((json.Length + 8) % 8 != 0)
        {
            json.Append(' ');
        }

        byte[] text = Encoding.UTF8.GetBytes(json.ToString());
        _header = new byte[8 + text.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(_header, (ulong)text.Length);
        text.CopyTo(_header, 8);
        _layout = layout.ToArray();
        Length = _header.Length + offset;
    }

    public long Length { get; }

    public Stream Open() => new Reader(this);

    private void Fill(long position, Span<byte> destination)
    {
        int done = 0;
        while (done < destination.Length)
        {
            long at = position + done;
            if (at < _header.Length)
            {
                int count = (int)Math.Min(destination.Length - done, _header.Length - at);
                _header.AsSpan((int)at, count).CopyTo(destination[done..]);
                done += count;
                continue;
            }

            long data = at - _header.Length;
            int index = Array.FindLastIndex(_layout, entry => entry.Start <= data);
            (TensorEntry tensor, long start) = _layout[index];
            long element = (data - start) / 2;
            int elements = (int)Math.Min(((destination.Length - done) / 2) + 2, tensor.ElementCount - element);
            var values = new float[elements];
            _source.ReadFloat32(tensor, element, values);
            var bytes = new byte[elements * 2];
            for (int i = 0; i < elements; i++)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2 * i), (ushort)(BitConverter.SingleToUInt32Bits(values[i]) >> 16));
            }

            int skip = (int)((data - start) % 2);
            int take = Math.Min(destination.Length - done, bytes.Length - skip);
            bytes.AsSpan(skip, take).CopyTo(destination[done..]);
            done += take;
        }
    }

    private sealed class Reader(SyntheticSafetensors file) : Stream
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
