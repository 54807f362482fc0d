using System.Buffers.Binary;

namespace TensorGuard.Core.Formats.Gguf;

/// <summary>
/// Dequantizes whole blocks of llama.cpp quantized types to float32, following <c>dequantize_row_*</c> in
/// ggml-quants.c (block layouts in ggml-common.h). Scales are IEEE half precision, little-endian.
/// </summary>
public static class GgufDequantizer
{
    /// <summary>
    /// Dequantizes <paramref name="destination"/>.Length / block size whole blocks of <paramref name="dtype"/>
    /// from <paramref name="source"/>, which must hold exactly those blocks.
    /// </summary>
    public static void Dequantize(TensorDType dtype, ReadOnlySpan<byte> source, Span<float> destination)
    {
        GgmlType type = GgmlType.FromDType(dtype) ?? throw new ArgumentException($"dtype {dtype.Name()} is not a GGUF type", nameof(dtype));
        if (destination.Length % type.BlockSize != 0 || source.Length != type.ByteCount(destination.Length))
        {
            throw new ArgumentException("Source and destination must hold the same whole number of blocks.", nameof(source));
        }

        if (!dtype.IsBlockQuantized())
        {
            Float32Converter.Convert(dtype, source, destination);
            return;
        }

        int blocks = destination.Length / type.BlockSize;
        for (int block = 0; block < blocks; block++)
        {
            ReadOnlySpan<byte> x = source.Slice(block * type.BlockBytes, type.BlockBytes);
            Span<float> y = destination.Slice(block * type.BlockSize, type.BlockSize);
            switch (dtype)
            {
                case TensorDType.Q40:
                    Q4Legacy(x[2..], y, Half(x, 0), bias: 8, min: 0f);
                    break;
                case TensorDType.Q41:
                    Q4Legacy(x[4..], y, Half(x, 0), bias: 0, min: Half(x, 2));
                    break;
                case TensorDType.Q50:
                    Q5Legacy(x[2..], y, Half(x, 0), bias: 16, min: 0f);
                    break;
                case TensorDType.Q51:
                    Q5Legacy(x[4..], y, Half(x, 0), bias: 0, min: Half(x, 2));
                    break;
                case TensorDType.Q80:
                    Q80(x, y);
                    break;
                case TensorDType.Q2K:
                    Q2K(x, y);
                    break;
                case TensorDType.Q3K:
                    Q3K(x, y);
                    break;
                case TensorDType.Q4K:
                    Q4K(x, y);
                    break;
                case TensorDType.Q5K:
                    Q5K(x, y);
                    break;
                case TensorDType.Q6K:
                    Q6K(x, y);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Not a block-quantized dtype.");
            }
        }
    }

    private static float Half(ReadOnlySpan<byte> block, int offset) => (float)BinaryPrimitives.ReadHalfLittleEndian(block[offset..]);

    // Q4_0 / Q4_1: 16 bytes of nibbles; low nibbles are elements 0–15, high nibbles 16–31; y = (q − bias)·d + min.
    private static void Q4Legacy(ReadOnlySpan<byte> qs, Span<float> y, float d, int bias, float min)
    {
        for (int j = 0; j < 16; j++)
        {
            y[j] = (((qs[j] & 0xF) - bias) * d) + min;
            y[j + 16] = (((qs[j] >> 4) - bias) * d) + min;
        }
    }

    // Q5_0 / Q5_1: a 32-bit mask of fifth bits (bit j for element j) followed by the nibbles as in Q4.
    private static void Q5Legacy(ReadOnlySpan<byte> x, Span<float> y, float d, int bias, float min)
    {
        uint qh = BinaryPrimitives.ReadUInt32LittleEndian(x);
        ReadOnlySpan<byte> qs = x[4..];
        for (int j = 0; j < 16; j++)
        {
            int low = (qs[j] & 0xF) | (int)(((qh >> j) << 4) & 0x10);
            int high = (qs[j] >> 4) | (int)((qh >> (j + 12)) & 0x10);
            y[j] = ((low - bias) * d) + min;
            y[j + 16] = ((high - bias) * d) + min;
        }
    }

    private static void Q80(ReadOnlySpan<byte> x, Span<float> y)
    {
        float d = Half(x, 0);
        for (int j = 0; j < 32; j++)
        {
            y[j] = (sbyte)x[2 + j] * d;
        }
    }

    // block_q2_K: scales[16] (low nibble scale, high nibble min), qs[64], d, dmin.
    private static void Q2K(ReadOnlySpan<byte> x, Span<float> y)
    {
        ReadOnlySpan<byte> scales = x[..16];
        ReadOnlySpan<byte> qs = x.Slice(16, 64);
        float d = Half(x, 80);
        float min = Half(x, 82);
        int output = 0;
        int scale = 0;
        for (int half = 0; half < 2; half++)
        {
            ReadOnlySpan<byte> q = qs.Slice(half * 32, 32);
            for (int shift = 0; shift < 8; shift += 2)
            {
                for (int part = 0; part < 2; part++)
                {
                    byte sc = scales[scale++];
                    float dl = d * (sc & 0xF);
                    float ml = min * (sc >> 4);
                    for (int l = 0; l < 16; l++)
                    {
                        y[output++] = (dl * ((q[(part * 16) + l] >> shift) & 3)) - ml;
                    }
                }
            }
        }
    }

    // block_q3_K: hmask[32], qs[64], scales[12] (sixteen 6-bit scales), d.
    private static void Q3K(ReadOnlySpan<byte> x, Span<float> y)
    {
        ReadOnlySpan<byte> hmask = x[..32];
        ReadOnlySpan<byte> qs = x.Slice(32, 64);
        Span<sbyte> scales = stackalloc sbyte[16];
        UnpackQ3KScales(x.Slice(96, 12), scales);
        float d = Half(x, 108);
        int output = 0;
        int scale = 0;
        int mask = 1;
        for (int half = 0; half < 2; half++)
        {
            ReadOnlySpan<byte> q = qs.Slice(half * 32, 32);
            for (int shift = 0; shift < 8; shift += 2)
            {
                for (int part = 0; part < 2; part++)
                {
                    float dl = d * (scales[scale++] - 32);
                    for (int l = (part * 16); l < (part * 16) + 16; l++)
                    {
                        int value = ((q[l] >> shift) & 3) - ((hmask[l] & mask) != 0 ? 0 : 4);
                        y[output++] = dl * value;
                    }
                }

                mask <<= 1;
            }
        }
    }

    // The 12 scale bytes hold sixteen 6-bit values: low 4 bits in bytes 0–7 (two per byte), high 2 bits in 8–11.
    private static void UnpackQ3KScales(ReadOnlySpan<byte> packed, Span<sbyte> scales)
    {
        const uint Mask1 = 0x03030303;
        const uint Mask2 = 0x0f0f0f0f;
        uint a0 = BinaryPrimitives.ReadUInt32LittleEndian(packed);
        uint a1 = BinaryPrimitives.ReadUInt32LittleEndian(packed[4..]);
        uint tmp = BinaryPrimitives.ReadUInt32LittleEndian(packed[8..]);
        Span<uint> aux =
        [
            (a0 & Mask2) | ((tmp & Mask1) << 4),
            (a1 & Mask2) | (((tmp >> 2) & Mask1) << 4),
            ((a0 >> 4) & Mask2) | (((tmp >> 4) & Mask1) << 4),
            ((a1 >> 4) & Mask2) | (((tmp >> 6) & Mask1) << 4),
        ];
        for (int i = 0; i < 16; i++)
        {
            scales[i] = (sbyte)(byte)(aux[i / 4] >> (8 * (i % 4)));
        }
    }

    // get_scale_min_k4: eight 6-bit scales and eight 6-bit mins packed in 12 bytes.
    private static (int Scale, int Min) ScaleMinK4(int j, ReadOnlySpan<byte> q) => j < 4
        ? (q[j] & 63, q[j + 4] & 63)
        : ((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4), (q[j + 4] >> 4) | ((q[j] >> 6) << 4));

    // block_q4_K: d, dmin, scales[12], qs[128].
    private static void Q4K(ReadOnlySpan<byte> x, Span<float> y)
    {
        float d = Half(x, 0);
        float min = Half(x, 2);
        ReadOnlySpan<byte> scales = x.Slice(4, 12);
        ReadOnlySpan<byte> qs = x.Slice(16, 128);
        for (int chunk = 0; chunk < 4; chunk++)
        {
            (int sc1, int m1) = ScaleMinK4(2 * chunk, scales);
            (int sc2, int m2) = ScaleMinK4((2 * chunk) + 1, scales);
            float d1 = d * sc1, min1 = min * m1, d2 = d * sc2, min2 = min * m2;
            ReadOnlySpan<byte> q = qs.Slice(chunk * 32, 32);
            Span<float> output = y.Slice(chunk * 64, 64);
            for (int l = 0; l < 32; l++)
            {
                output[l] = (d1 * (q[l] & 0xF)) - min1;
                output[l + 32] = (d2 * (q[l] >> 4)) - min2;
            }
        }
    }

    // block_q5_K: d, dmin, scales[12], qh[32], qs[128].
    private static void Q5K(ReadOnlySpan<byte> x, Span<float> y)
    {
        float d = Half(x, 0);
        float min = Half(x, 2);
        ReadOnlySpan<byte> scales = x.Slice(4, 12);
        ReadOnlySpan<byte> qh = x.Slice(16, 32);
        ReadOnlySpan<byte> qs = x.Slice(48, 128);
        for (int chunk = 0; chunk < 4; chunk++)
        {
            (int sc1, int m1) = ScaleMinK4(2 * chunk, scales);
            (int sc2, int m2) = ScaleMinK4((2 * chunk) + 1, scales);
            float d1 = d * sc1, min1 = min * m1, d2 = d * sc2, min2 = min * m2;
            int u1 = 1 << (2 * chunk), u2 = 2 << (2 * chunk);
            ReadOnlySpan<byte> q = qs.Slice(chunk * 32, 32);
            Span<float> output = y.Slice(chunk * 64, 64);
            for (int l = 0; l < 32; l++)
            {
                output[l] = (d1 * ((q[l] & 0xF) + ((qh[l] & u1) != 0 ? 16 : 0))) - min1;
                output[l + 32] = (d2 * ((q[l] >> 4) + ((qh[l] & u2) != 0 ? 16 : 0))) - min2;
            }
        }
    }

    // block_q6_K: ql[128], qh[64], scales[16] (int8), d.
    private static void Q6K(ReadOnlySpan<byte> x, Span<float> y)
    {
        float d = Half(x, 208);
        for (int half = 0; half < 2; half++)
        {
            ReadOnlySpan<byte> ql = x.Slice(half * 64, 64);
            ReadOnlySpan<byte> qh = x.Slice(128 + (half * 32), 32);
            ReadOnlySpan<byte> sc = x.Slice(192 + (half * 8), 8);
            Span<float> output = y.Slice(half * 128, 128);
            for (int l = 0; l < 32; l++)
            {
                int s = l / 16;
                int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
                int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
                int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                output[l] = d * (sbyte)sc[s] * q1;
                output[l + 32] = d * (sbyte)sc[s + 2] * q2;
                output[l + 64] = d * (sbyte)sc[s + 4] * q3;
                output[l + 96] = d * (sbyte)sc[s + 6] * q4;
            }
        }
    }
}
