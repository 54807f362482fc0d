using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace TensorGuard.Core.Formats.Safetensors;

/// <summary>
/// Writes safetensors files: header padded with spaces to an 8-byte boundary, tensors in name order,
/// contiguous. Used for demo models, test models and re-sharding.
/// </summary>
public static class SafetensorsWriter
{
    /// <summary>A tensor to write: its stored bytes must match dtype and shape.</summary>
    public sealed record Tensor(string Name, TensorDType DType, long[] Shape, byte[] Data);

    /// <summary>Writes <paramref name="tensors"/> and optional metadata to <paramref name="path"/>.</summary>
    public static void Write(string path, IEnumerable<Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        Tensor[] ordered = tensors.OrderBy(t => t.Name, StringComparer.Ordinal).ToArray();
        byte[] header = BuildHeader(ordered, metadata);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        Span<byte> prefix = stackalloc byte[SafetensorsHeader.LengthPrefixSize];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
        stream.Write(prefix);
        stream.Write(header);
        foreach (Tensor tensor in ordered)
        {
            stream.Write(tensor.Data);
        }
    }

    private static byte[] BuildHeader(Tensor[] tensors, IReadOnlyDictionary<string, string>? metadata)
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
            foreach (Tensor tensor in tensors)
            {
                long expected = tensor.Shape.Aggregate(1L, (product, dim) => checked(product * dim)) * tensor.DType.BitSize() / 8;
                if (expected != tensor.Data.Length)
                {
                    throw new ArgumentException($"Tensor {tensor.Name} has {tensor.Data.Length} bytes; dtype and shape need {expected}.", nameof(tensors));
                }

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
                json.WriteNumberValue(offset + tensor.Data.Length);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += tensor.Data.Length;
            }

            json.WriteEndObject();
        }

        int padding = (int)((8 - (buffer.Length % 8)) % 8);
        buffer.Write(Encoding.ASCII.GetBytes(new string(' ', padding)));
        return buffer.ToArray();
    }
}
