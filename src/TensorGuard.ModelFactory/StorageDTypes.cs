using System.Buffers.Binary;
using TensorGuard.Core.Formats;

namespace TensorGuard.ModelFactory;

/// <summary>
/// The dtypes the factory writes (F32, F16, BF16, F8_E4M3): rounding float32 values to what the dtype can
/// hold (round to nearest, ties to even) and encoding them little-endian. A <see cref="TestModel"/> keeps its
/// values already rounded, so what it serves in memory equals what a reader gets back from its files.
/// </summary>
public static class StorageDTypes
{
    /// <summary>Dtypes a test model can be stored in.</summary>
    public static IReadOnlyList<TensorDType> Supported { get; } = [TensorDType.F32, TensorDType.F16, TensorDType.BF16, TensorDType.F8E4M3];

    /// <exception cref="ArgumentException">The dtype is not in <see cref="Supported"/>.</exception>
    public static void EnsureSupported(TensorDType dtype)
    {
        if (!Supported.Contains(dtype))
        {
            throw new ArgumentException($"Test models are stored as {string.Join(", ", Supported.Select(d => d.Name()))}, not {dtype.Name()}.", nameof(dtype));
        }
    }

    /// <summary>The value nearest to <paramref name="value"/> that <paramref name="dtype"/> represents.</summary>
    public static float Round(TensorDType dtype, float value) => dtype switch
    {
        TensorDType.F32 => value,
        TensorDType.F16 => (float)(Half)value,
        TensorDType.BF16 => BitConverter.UInt32BitsToSingle((uint)RoundToBFloat16(value) << 16),
        TensorDType.F8E4M3 => Float8Codes.Round(dtype, value),
        _ => throw new ArgumentException($"Unsupported storage dtype {dtype.Name()}.", nameof(dtype)),
    };

    /// <summary>Rounds every value to <paramref name="dtype"/>; returns a new array.</summary>
    public static float[] Round(TensorDType dtype, ReadOnlySpan<float> values)
    {
        var result = new float[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            result[i] = Round(dtype, values[i]);
        }

        return result;
    }

    /// <summary>Little-endian bytes of <paramref name="values"/> in <paramref name="dtype"/>.</summary>
    public static byte[] Encode(TensorDType dtype, ReadOnlySpan<float> values)
    {
        var bytes = new byte[checked(values.Length * dtype.BitSize() / 8)];
        for (int i = 0; i < values.Length; i++)
        {
            float value = values[i];
            switch (dtype)
            {
                case TensorDType.F32:
                    BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), value);
                    break;
                case TensorDType.F16:
                    BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan(2 * i), (Half)value);
                    break;
                case TensorDType.BF16:
                    BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2 * i), RoundToBFloat16(value));
                    break;
                case TensorDType.F8E4M3:
                    bytes[i] = Float8Codes.Encode(dtype, value);
                    break;
                default:
                    throw new ArgumentException($"Unsupported storage dtype {dtype.Name()}.", nameof(dtype));
            }
        }

        return bytes;
    }

    private static ushort RoundToBFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
        {
            return (ushort)((bits >> 16) | 0x40);
        }

        uint roundingBias = 0x7FFF + ((bits >> 16) & 1);
        return (ushort)((bits + roundingBias) >> 16);
    }
}
