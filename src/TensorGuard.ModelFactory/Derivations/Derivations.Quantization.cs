using TensorGuard.Core.Formats;

namespace TensorGuard.ModelFactory;

public static partial class Derivations
{
    /// <summary>
    /// int8 round trip: each stored row of every matrix quantized symmetrically to [-127, 127] with scale
    /// absmax/127, then dequantized. Vectors (norms, biases) stay, as quantizers keep them in high precision.
    /// </summary>
    public static TestModel QuantizeInt8(this TestModel model) =>
        model.Derive("int8 per-row round trip", model.Weights.Select(t => MapStored(t, int.MaxValue, withinRows: true, RoundTripInt8)));

    /// <summary>
    /// 4-bit round trip in llama.cpp's Q4_0 scheme: blocks of <paramref name="blockSize"/> consecutive stored
    /// values share scale d = max/−8 (max: the value of largest magnitude), codes 0..15 stand for (q − 8)·d.
    /// </summary>
    public static TestModel Quantize4Bit(this TestModel model, int blockSize = 32)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        return model.Derive($"4-bit block {blockSize} round trip",
            model.Weights.Select(t => MapStored(t, blockSize, withinRows: true, RoundTripQ4)));
    }

    /// <summary>
    /// fp8 E4M3 round trip with one scale per matrix (absmax/448, as fp8 checkpoints store it); vectors stay.
    /// </summary>
    public static TestModel QuantizeFp8(this TestModel model) =>
        model.Derive("fp8 E4M3 per-tensor round trip", model.Weights.Select(t => MapStored(t, int.MaxValue, withinRows: false, RoundTripFp8)));

    /// <summary>
    /// Stores the model in <paramref name="dtype"/> (F32, F16, BF16, or unscaled F8_E4M3): every value is rounded
    /// to nearest, ties to even, and the written files use that dtype.
    /// </summary>
    public static TestModel CastTo(this TestModel model, TensorDType dtype)
    {
        StorageDTypes.EnsureSupported(dtype);
        return model.Derive($"cast to {dtype.Name()}", model.Weights, dtype: dtype);
    }

    // Applies `roundTrip` to consecutive groups of at most `groupSize` stored values of a matrix, restarting
    // at every stored row when `withinRows` (the last group of a row may be shorter); vectors stay unchanged.
    private static TestTensor MapStored(TestTensor tensor, int groupSize, bool withinRows, Action<Span<float>> roundTrip)
    {
        if (tensor.Shape.Count < 2)
        {
            return tensor;
        }

        float[] stored = tensor.StoredValues.ToArray();
        int segmentLength = withinRows ? stored.Length / tensor.StoredShape[0] : stored.Length;
        for (int segmentStart = 0; segmentStart < stored.Length; segmentStart += segmentLength)
        {
            Span<float> segment = stored.AsSpan(segmentStart, segmentLength);
            for (int start = 0; start < segment.Length; start += groupSize)
            {
                roundTrip(segment.Slice(start, Math.Min(groupSize, segment.Length - start)));
            }
        }

        return tensor.WithValues(tensor.Transposed ? Matrix.Transpose(stored, tensor.Columns, tensor.Rows) : stored);
    }

    private static void RoundTripInt8(Span<float> values)
    {
        float scale = MaxMagnitude(values) / 127f;
        if (scale == 0)
        {
            return;
        }

        foreach (ref float v in values)
        {
            v = Math.Clamp(MathF.Round(v / scale), -127f, 127f) * scale;
        }
    }

    private static void RoundTripQ4(Span<float> values)
    {
        float max = 0;
        foreach (float v in values)
        {
            if (MathF.Abs(v) > MathF.Abs(max))
            {
                max = v;
            }
        }

        float d = max / -8f;
        if (d == 0)
        {
            values.Clear();
            return;
        }

        float inverse = 1f / d;
        foreach (ref float v in values)
        {
            int q = Math.Min(15, (int)((v * inverse) + 8.5f));
            v = (q - 8) * d;
        }
    }

    private static void RoundTripFp8(Span<float> values)
    {
        float scale = MaxMagnitude(values) / Float8Codes.MaxFinite(TensorDType.F8E4M3);
        if (scale == 0)
        {
            return;
        }

        foreach (ref float v in values)
        {
            v = StorageDTypes.Round(TensorDType.F8E4M3, v / scale) * scale;
        }
    }

    private static float MaxMagnitude(ReadOnlySpan<float> values)
    {
        float max = 0;
        foreach (float v in values)
        {
            max = Math.Max(max, MathF.Abs(v));
        }

        return max;
    }
}
