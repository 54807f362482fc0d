using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace TensorGuard.Core.Formats.Safetensors;

/// <summary>
/// Writes safetensors files: header padded with spaces to an 8-byte boundary, tensors in name order,
/// contiguous. Used for demo models, test models, re-sharding and benchmarks; the streaming overload
/// writes files larger than memory.
/// </summary>
public static class SafetensorsWriter
{
    /// <summary>A tensor's name, dtype and shape, without its data.</summary>
    public record Layout(string Name, TensorDType DType, long[] Shape)
    {
        /// <summary>Bytes the data takes (product of the shape × element size).</summary>
        public long ByteLength => checked(Shape.Aggregate(1L, (product, dim) => checked(product * dim)) * DType.BitSize()) / 8;
    }

    /// <summary>A tensor to write: its stored bytes must match dtype and shape.</summary>
    public sealed record Tensor(string Name, TensorDType DType, long[] Shape, byte[] Data) : Layout(Name, DType, Shape);

    /// <summary>Writes <paramref name="tensors"/> and optional metadata to <paramref name="path"/>.</summary>
    public static void Write(string path, IEnumerable<Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        Tensor[] all = tensors.ToArray();
        if (all.FirstOrDefault(t => t.Data.Length != t.ByteLength) is { } wrong)
        {
            throw new ArgumentException($"Tensor {wrong.Name} has {wrong.Data.Length} bytes; dtype and shape need {wrong.ByteLength}.", nameof(tensors));
        }

        Write(path, all, (layout, stream) => stream.Write(((Tensor)layout).Data), metadata);
    }

    /// <summary>
    /// Writes a file whose data <paramref name="writeData"/> streams tensor by tensor (in name order), so
    /// no tensor needs to be in memory whole.
    /// </summary>
    /// <exception cref="InvalidOperationException"><paramref name="writeData"/> wrote the wrong number of bytes.</exception>
    public static void Write(string path, IEnumerable<Layout> tensors, Action<Layout, Stream> writeData, IReadOnlyDictionary<string, string>? metadata = null)
    {
        Layout[] ordered = tensors.OrderBy(t => t.Name, StringComparer.Ordinal).ToArray();
        byte[] header = BuildHeader(ordered, metadata);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        Span<byte> prefix = stackalloc byte[SafetensorsHeader.LengthPrefixSize];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
        stream.Write(prefix);
        stream.Write(header);
        foreach (Layout tensor in ordered)
        {
            long start = stream.Position;
            writeData(tensor, stream);
            if (stream.Position - start != tensor.ByteLength)
            {
                throw new InvalidOperationException($"Tensor {tensor.Name} was written with {stream.Position - start} bytes; dtype and shape need {tensor.ByteLength}.");
            }
        }
    }

    private static byte[] BuildHeader(Layout[] tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach ((string key, string value) in metadata.OrderBy(pair => pair.Key, StringComparer.Ordinal))
                {
                    json.WriteString(key, value);
                }

                json.WriteEndObject();
            }

            long offset = 0;
            foreach (Layout tensor in tensors)
            {
                json.WriteStartObject(tensor.Name);
                json.WriteString("dtype", tensor.DType.Name());
                json.WriteStartArray("shape");
                foreach (long dim in tensor.Shape)
                {
                    json.WriteNumberValue(dim);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + tensor.ByteLength);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += tensor.ByteLength;
            }

            json.WriteEndObject();
        }

        int padding = (int)((8 - (buffer.Length % 8)) % 8);
        buffer.Write(Encoding.ASCII.GetBytes(new string(' ', padding)));
        return buffer.ToArray();
    }
}
