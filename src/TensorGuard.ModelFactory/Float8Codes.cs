using System.Collections.Frozen;
using TensorGuard.Core.Formats;

namespace TensorGuard.ModelFactory;

/// <summary>
/// Rounds float32 values to the four 8-bit float types of ONNX and safetensors (F8_E4M3, F8_E4M3FNUZ, F8_E5M2,
/// F8_E5M2FNUZ) and encodes them: round to nearest, ties to even, saturating past the largest finite value, as the
/// saturating cast of the ONNX float8 note does. Hand-written because .NET has no 8-bit float type; the values come
/// from the reader's own decoding tables, so what the factory writes is what a reader gets back.
/// </summary>
public static class Float8Codes
{
    // Codes 0..0x7F whose value is finite are the non-negative values of each type in increasing order.
    private static readonly FrozenDictionary<TensorDType, float[]> Magnitudes = new[]
    {
        TensorDType.F8E4M3, TensorDType.F8E4M3Fnuz, TensorDType.F8E5M2, TensorDType.F8E5M2Fnuz,
    }.ToFrozenDictionary(dtype => dtype, DecodeMagnitudes);

    /// <summary>The 8-bit float types.</summary>
    public static IReadOnlyList<TensorDType> Types { get; } = [.. Magnitudes.Keys.Order()];

    /// <summary>The largest finite value of <paramref name="dtype"/>.</summary>
    public static float MaxFinite(TensorDType dtype) => Table(dtype)[^1];

    /// <summary>The value of <paramref name="dtype"/> nearest to <paramref name="value"/>.</summary>
    public static float Round(TensorDType dtype, float value)
    {
        float magnitude = Table(dtype)[NearestCode(Table(dtype), MathF.Abs(value))];
        return value < 0 && (magnitude != 0 || !IsUnsignedZero(dtype)) ? -magnitude : magnitude;
    }

    /// <summary>The code of the value of <paramref name="dtype"/> nearest to <paramref name="value"/>.</summary>
    public static byte Encode(TensorDType dtype, float value)
    {
        int code = NearestCode(Table(dtype), MathF.Abs(value));
        bool negative = value < 0 || (value == 0 && float.IsNegative(value));

        // The FNUZ types have one zero: the pattern of negative zero is their NaN.
        return (byte)(negative && (code != 0 || !IsUnsignedZero(dtype)) ? 0x80 | code : code);
    }

    private static bool IsUnsignedZero(TensorDType dtype) => dtype is TensorDType.F8E4M3Fnuz or TensorDType.F8E5M2Fnuz;

    private static float[] Table(TensorDType dtype) =>
        Magnitudes.TryGetValue(dtype, out float[]? table) ? table : throw new ArgumentException($"{dtype.Name()} is not an 8-bit float type.", nameof(dtype));

    private static int NearestCode(float[] table, float magnitude)
    {
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

    private static float[] DecodeMagnitudes(TensorDType dtype)
    {
        byte[] codes = Enumerable.Range(0, 0x80).Select(code => (byte)code).ToArray();
        var values = new float[codes.Length];
        Float32Converter.Convert(dtype, codes, values);
        return values.TakeWhile(float.IsFinite).ToArray();
    }
}
