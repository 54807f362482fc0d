using System.Buffers.Binary;
using TensorGuard.Core.Formats;

namespace TensorGuard.ModelFactory.Formats;

/// <summary>
/// Reference dequantization written element by element from the block layouts of ggml-common.h and the
/// formulas of ggml-quants.c (<c>dequantize_row_*</c>): for element e of a block, which bits hold its quant
/// and which scale applies. Deliberately a different shape from the production loops, so the two check
/// each other. Arithmetic follows the reference order, so results are bit-identical.
/// </summary>
public static class GgufReferenceDequantizer
{
    /// <summary>Element <paramref name="e"/> of one block <paramref name="x"/> of <paramref name="dtype"/>.</summary>
    public static float Element(TensorDType dtype, ReadOnlySpan<byte> x, int e) => dtype switch
    {
        TensorDType.Q40 => (Nibble(x[2..], e) - 8) * Half(x, 0),
        TensorDType.Q41 => (Nibble(x[4..], e) * Half(x, 0)) + Half(x, 2),
        TensorDType.Q50 => ((Nibble(x[6..], e) | (FifthBit(x[2..], e) << 4)) - 16) * Half(x, 0),
        TensorDType.Q51 => ((Nibble(x[8..], e) | (FifthBit(x[4..], e) << 4)) * Half(x, 0)) + Half(x, 2),
        TensorDType.Q80 => (sbyte)x[2 + e] * Half(x, 0),
        TensorDType.Q2K => Q2K(x, e),
        TensorDType.Q3K => Q3K(x, e),
        TensorDType.Q4K => Q45K(x, e, highBits: false),
        TensorDType.Q5K => Q45K(x, e, highBits: true),
        TensorDType.Q6K => Q6K(x, e),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Not a quantized type."),
    };

    /// <summary>Every element of consecutive blocks.</summary>
    public static float[] Dequantize(TensorDType dtype, ReadOnlySpan<byte> blocks)
    {
        int size = GgufQuantizer.BlockSize(dtype), bytes = GgufQuantizer.BlockBytes(dtype);
        var values = new float[blocks.Length / bytes * size];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = Element(dtype, blocks.Slice(i / size * bytes, bytes), i % size);
        }

        return values;
    }

    private static float Half(ReadOnlySpan<byte> x, int offset) => (float)BinaryPrimitives.ReadHalfLittleEndian(x[offset..]);

    // Legacy 32-element blocks: byte e%16 holds element e in its low (e < 16) or high nibble.
    private static int Nibble(ReadOnlySpan<byte> qs, int e) => e < 16 ? qs[e] & 0xF : qs[e - 16] >> 4;

    private static int FifthBit(ReadOnlySpan<byte> qh, int e) => (int)((BinaryPrimitives.ReadUInt32LittleEndian(qh) >> e) & 1);

    // Q2_K (84 bytes: scales[16], qs[64], d, dmin): 16 groups of 16; scale byte = (min << 4) | scale.
    private static float Q2K(ReadOnlySpan<byte> x, int e)
    {
        int q = (x[16 + (e / 128 * 32) + (e % 32)] >> (2 * (e % 128 / 32))) & 3;
        byte sc = x[e / 16];
        return (Half(x, 80) * (sc & 0xF) * q) - (Half(x, 82) * (sc >> 4));
    }

    // Q3_K (110 bytes: hmask[32], qs[64], scales[12], d): 2 low bits as Q2_K, the third bit in hmask
    // (clear means subtract 4), 6-bit scales offset by 32.
    private static float Q3K(ReadOnlySpan<byte> x, int e)
    {
        int low = (x[32 + (e / 128 * 32) + (e % 32)] >> (2 * (e % 128 / 32))) & 3;
        bool high = (x[e % 32] & (1 << ((e / 128 * 4) + (e % 128 / 32)))) != 0;
        int j = e / 16;
        int scaleLow = j < 8 ? x[96 + j] & 0xF : x[96 + j - 8] >> 4;
        int scaleHigh = (x[104 + (j % 4)] >> (2 * (j / 4))) & 3;
        int scale = (scaleLow | (scaleHigh << 4)) - 32;
        return Half(x, 108) * scale * (low - (high ? 0 : 4));
    }

    // Q4_K (144 bytes: d, dmin, scales[12], qs[128]) and Q5_K (176: d, dmin, scales[12], qh[32], qs[128]):
    // 8 groups of 32 with 6-bit scales and mins; group j takes the low nibbles of qs[32·(j/2)…] when j is even.
    private static float Q45K(ReadOnlySpan<byte> x, int e, bool highBits)
    {
        int j = e / 32;
        ReadOnlySpan<byte> s = x.Slice(4, 12);
        int scale = j < 4 ? s[j] & 63 : (s[j + 4] & 0xF) | ((s[j - 4] >> 6) << 4);
        int min = j < 4 ? s[j + 4] & 63 : (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
        int qsStart = highBits ? 48 : 16;
        int q = (x[qsStart + (e / 64 * 32) + (e % 32)] >> (j % 2 == 0 ? 0 : 4)) & 0xF;
        if (highBits)
        {
            q |= ((x[16 + (e % 32)] >> j) & 1) << 4;
        }

        return (Half(x, 0) * scale * q) - (Half(x, 2) * min);
    }

    // Q6_K (210 bytes: ql[128], qh[64], scales[16] int8, d): 4 low bits in ql, 2 high bits in qh, minus 32.
    private static float Q6K(ReadOnlySpan<byte> x, int e)
    {
        int h = e / 128, k = e % 128 / 32, l = e % 32;
        int low = (x[(h * 64) + l + (k % 2 * 32)] >> (k / 2 * 4)) & 0xF;
        int high = (x[128 + (h * 32) + l] >> (2 * k)) & 3;
        int scale = (sbyte)x[192 + (h * 8) + (2 * k) + (l / 16)];
        return Half(x, 208) * scale * ((low | (high << 4)) - 32);
    }
}
