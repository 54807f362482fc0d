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
    private static readonly float[] E4M3Magnitudes = DecodeE4M3Magnitudes();

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
        TensorDType.F8E4M3 => (value < 0 ? -1 : 1) * E4M3Magnitudes[NearestE4M3Code(MathF.Abs(value))],
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
                    bytes[i] = (byte)((value < 0 || (value == 0 && float.IsNegative(value)) ? 0x80 : 0) | NearestE4M3Code(MathF.Abs(value)));
                    break;
                default:
                    throw new ArgumentException($"Unsupported storage dtype {dtype.Name()}.", nameof(dtype));
            }
        }

        return bytes;
    }

    /// <summary>Largest finite E4M3 magnitude (448).</summary>
    public static float MaxE4M3 => E4M3Magnitudes[^1];

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

    // Codes 0..0x7E are the non-negative finite E4M3 values in increasing order (0x7F is NaN); values past
    // the largest saturate, as fp8 quantizers do.
    private static int NearestE4M3Code(float magnitude)
    {
        float[] table = E4M3Magnitudes;
        if (magnitude >= table[^1])
        {
            return table.Length - 1;
        }

        int index = Array.BinarySearch(table, magnitude);
        if (index >= 0)
        {
            return index;
        }

        int above = ~index;
        int below = above - 1;
        float toBelow = magnitude - table[below];
        float toAbove = table[above] - magnitude;
        return toBelow < toAbove || (toBelow == toAbove && below % 2 == 0) ? below : above;
    }

    private static float[] DecodeE4M3Magnitudes()
    {
        byte[] codes = Enumerable.Range(0, 0x7F).Select(code => (byte)code).ToArray();
        var values = new float[codes.Length];
        Float32Converter.Convert(TensorDType.F8E4M3, codes, values);
        return values;
    }
}
