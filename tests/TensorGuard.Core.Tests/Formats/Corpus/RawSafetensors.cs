using System.Buffers.Binary;
using System.Text;

namespace TensorGuard.Tests.Corpus;

/// <summary>
/// Writes safetensors files byte by byte, so tests can produce exactly the malformed layouts that
/// <c>SafetensorsWriter</c> refuses to write.
/// </summary>
public static class RawSafetensors
{
    /// <summary>JSON for one tensor entry.</summary>
    public static string Tensor(string name, string dtype, string shape, long begin, long end) =>
        $"\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":{shape},\"data_offsets\":[{begin},{end}]}}";

    /// <summary>Writes the length prefix (the header's real length unless overridden), header and data.</summary>
    public static string Write(string path, string header, int dataBytes = 0, ulong? declaredLength = null) =>
        Write(path, Encoding.UTF8.GetBytes(header), new byte[dataBytes], declaredLength);

    public static string Write(string path, byte[] header, byte[] data, ulong? declaredLength = null)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write);
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, declaredLength ?? (ulong)header.Length);
        stream.Write(prefix);
        stream.Write(header);
        stream.Write(data);
        return path;
    }

    /// <summary>Little-endian bytes of float32 values.</summary>
    public static byte[] F32(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        }

        return bytes;
    }

    /// <summary>Writes arbitrary bytes.</summary>
    public static string Bytes(string path, byte[] bytes)
    {
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
