using TensorGuard.Tests.Corpus;
using System.Buffers.Binary;
using TensorGuard.Core.Formats;
using TensorGuard.Core.Formats.Gguf;
using TensorGuard.ModelFactory.Formats;

namespace TensorGuard.Core.Tests.Formats;

public class GgufDequantizerTests
{
    public static TheoryData<TensorDType> QuantizedTypes => new(
        TensorDType.Q40, TensorDType.Q41, TensorDType.Q50, TensorDType.Q51, TensorDType.Q80,
        TensorDType.Q2K, TensorDType.Q3K, TensorDType.Q4K, TensorDType.Q5K, TensorDType.Q6K);

    [Theory]
    [MemberData(nameof(QuantizedTypes))]
    public void Dequantize_RandomBlocks_MatchesReferenceExactly(TensorDType dtype)
    {
        byte[] blocks = RandomBlocks(dtype, count: 16, seed: (int)dtype);
        var actual = new float[blocks.Length / GgufQuantizer.BlockBytes(dtype) * GgufQuantizer.BlockSize(dtype)];

        GgufDequantizer.Dequantize(dtype, blocks, actual);

        float[] expected = GgufReferenceDequantizer.Dequantize(dtype, blocks);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(expected[i] == actual[i], $"{dtype} element {i}: expected {expected[i]}, got {actual[i]}");
        }
    }

    [Theory]
    [MemberData(nameof(QuantizedTypes))]
    public void Quantize_ThenDequantize_ApproximatesValues(TensorDType dtype)
    {
        float[] values = Gaussian(1024, seed: 7);
        byte[] blocks = GgufQuantizer.Quantize(dtype, values);
        var restored = new float[values.Length];

        GgufDequantizer.Dequantize(dtype, blocks, restored);

        double error = Math.Sqrt(values.Zip(restored, (a, b) => (double)(a - b) * (a - b)).Average());
        double scale = Math.Sqrt(values.Average(v => (double)v * v));
        double limit = dtype switch
        {
            TensorDType.Q80 => 0.01,
            TensorDType.Q6K => 0.03,
            TensorDType.Q50 or TensorDType.Q51 or TensorDType.Q5K => 0.07,
            TensorDType.Q40 or TensorDType.Q41 or TensorDType.Q4K => 0.14,
            TensorDType.Q3K => 0.3,
            _ => 0.6,
        };
        Assert.True(error / scale < limit, $"{dtype}: relative RMS error {error / scale:F4} ≥ {limit}");
    }

    [Fact]
    public void Dequantize_PlainTypes_ConvertElementwise()
    {
        float[] values = [1.5f, -2.25f, 0f, 3.140625f];
        foreach (TensorDType dtype in new[] { TensorDType.F32, TensorDType.F16, TensorDType.BF16 })
        {
            var restored = new float[values.Length];
            GgufDequantizer.Dequantize(dtype, GgufQuantizer.Quantize(dtype, values), restored);
            Assert.Equal(values, restored);
        }
    }

    /// <summary>Random quant bits with finite random half-precision scales where the layout puts them.</summary>
    internal static byte[] RandomBlocks(TensorDType dtype, int count, int seed)
    {
        var random = new Random(seed);
        int size = GgufQuantizer.BlockBytes(dtype);
        var blocks = new byte[count * size];
        random.NextBytes(blocks);
        int[] halfOffsets = dtype switch
        {
            TensorDType.Q40 or TensorDType.Q50 or TensorDType.Q80 => [0],
            TensorDType.Q41 or TensorDType.Q51 or TensorDType.Q4K or TensorDType.Q5K => [0, 2],
            TensorDType.Q2K => [80, 82],
            TensorDType.Q3K => [108],
            TensorDType.Q6K => [208],
            _ => [],
        };
        for (int block = 0; block < count; block++)
        {
            foreach (int offset in halfOffsets)
            {
                BinaryPrimitives.WriteHalfLittleEndian(blocks.AsSpan((block * size) + offset), (Half)((random.NextSingle() - 0.5f) * 0.1f));
            }
        }

        return blocks;
    }

    internal static float[] Gaussian(int count, int seed)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()) * 0.02);
        }

        return values;
    }
}
