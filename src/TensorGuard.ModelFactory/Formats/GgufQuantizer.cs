using System.Buffers.Binary;
using TensorGuard.Core.Formats;

namespace TensorGuard.ModelFactory.Formats;

/// <summary>
/// Straightforward (not error-optimal) quantizers producing valid llama.cpp blocks, written from the block
/// layouts in ggml-common.h. Tests use them to write GGUF files whose dequantized values must come back close
/// to the originals; exactness is checked separately against <see cref="GgufReferenceDequantizer"/>.
/// </summary>
public static class GgufQuantizer
{
    /// <summary>Elements per block of <paramref name="dtype"/> (1 for F32/F16/BF16).</summary>
    public static int BlockSize(TensorDType dtype) => dtype switch
    {
        TensorDType.Q40 or TensorDType.Q41 or TensorDType.Q50 or TensorDType.Q51 or TensorDType.Q80 => 32,
        TensorDType.Q2K or TensorDType.Q3K or TensorDType.Q4K or TensorDType.Q5K or TensorDType.Q6K => 256,
        _ => 1,
    };

    /// <summary>Bytes per block of <paramref name="dtype"/>.</summary>
    public static int BlockBytes(TensorDType dtype) => dtype switch
    {
        TensorDType.F32 => 4,
        TensorDType.F16 or TensorDType.BF16 => 2,
        TensorDType.Q40 => 18,
        TensorDType.Q41 => 20,
        TensorDType.Q50 => 22,
        TensorDType.Q51 => 24,
        TensorDType.Q80 => 34,
        TensorDType.Q2K => 84,
        TensorDType.Q3K => 110,
        TensorDType.Q4K => 144,
        TensorDType.Q5K => 176,
        TensorDType.Q6K => 210,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Not a GGUF test type."),
    };

    /// <summary>The ggml type id of <paramref name="dtype"/> (ggml.h enum ggml_type).</summary>
    public static uint TypeId(TensorDType dtype) => dtype switch
    {
        TensorDType.F32 => 0,
        TensorDType.F16 => 1,
        TensorDType.Q40 => 2,
        TensorDType.Q41 => 3,
        TensorDType.Q50 => 6,
        TensorDType.Q51 => 7,
        TensorDType.Q80 => 8,
        TensorDType.Q2K => 10,
        TensorDType.Q3K => 11,
        TensorDType.Q4K => 12,
        TensorDType.Q5K => 13,
        TensorDType.Q6K => 14,
        TensorDType.BF16 => 30,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Not a GGUF test type."),
    };

    /// <summary>Quantizes <paramref name="values"/> (a whole number of blocks) to <paramref name="dtype"/>.</summary>
    public static byte[] Quantize(TensorDType dtype, ReadOnlySpan<float> values)
    {
        int blockSize = BlockSize(dtype);
        int blockBytes = BlockBytes(dtype);
        if (values.Length % blockSize != 0)
        {
            throw new ArgumentException($"{values.Length} values are not whole blocks of {blockSize}.", nameof(values));
        }

        var output = new byte[values.Length / blockSize * blockBytes];
        for (int block = 0; block < values.Length / blockSize; block++)
        {
            ReadOnlySpan<float> x = values.Slice(block * blockSize, blockSize);
            Span<byte> y = output.AsSpan(block * blockBytes, blockBytes);
            switch (dtype)
            {
                case TensorDType.F32:
                    BinaryPrimitives.WriteSingleLittleEndian(y, x[0]);
                    break;
                case TensorDType.F16:
                    BinaryPrimitives.WriteHalfLittleEndian(y, (Half)x[0]);
                    break;
                case TensorDType.BF16:
                    BinaryPrimitives.WriteUInt16LittleEndian(y, (ushort)(BitConverter.SingleToUInt32Bits(x[0]) >> 16));
                    break;
                case TensorDType.Q80:
                    Q80(x, y);
                    break;
                case TensorDType.Q40 or TensorDType.Q50:
                    SymmetricLegacy(x, y, bits: dtype == TensorDType.Q40 ? 4 : 5);
                    break;
                case TensorDType.Q41 or TensorDType.Q51:
                    AffineLegacy(x, y, bits: dtype == TensorDType.Q41 ? 4 : 5);
                    break;
                case TensorDType.Q2K:
                    Q2K(x, y);
                    break;
                case TensorDType.Q3K:
                    Q3K(x, y);
                    break;
                case TensorDType.Q4K or TensorDType.Q5K:
                    Q45K(x, y, bits: dtype == TensorDType.Q4K ? 4 : 5);
                    break;
                case TensorDType.Q6K:
                    Q6K(x, y);
                    break;
            }
        }

        return output;
    }

    private static float MaxAbs(ReadOnlySpan<float> x)
    {
        float max = 0;
        foreach (float v in x)
        {
            max = Math.Max(max, Math.Abs(v));
        }

        return max;
    }

    private static Half WriteHalf(Span<byte> y, float value)
    {
        var half = (Half)value;
        BinaryPrimitives.WriteHalfLittleEndian(y, half);
        return half;
    }

    private static void Q80(ReadOnlySpan<float> x, Span<byte> y)
    {
        float d = (float)WriteHalf(y, MaxAbs(x) / 127f);
        for (int j = 0; j < 32; j++)
        {
            y[2 + j] = (byte)(sbyte)Math.Clamp(MathF.Round(d == 0 ? 0 : x[j] / d), -127, 127);
        }
    }

    // Q4_0 / Q5_0: q = round(x/d) + 2^(bits-1), values (q − bias)·d.
    private static void SymmetricLegacy(ReadOnlySpan<float> x, Span<byte> y, int bits)
    {
        int bias = 1 << (bits - 1);
        float d = (float)WriteHalf(y, MaxAbs(x) / (bias - 1));
        var q = new int[32];
        for (int j = 0; j < 32; j++)
        {
            q[j] = Math.Clamp((int)MathF.Round(d == 0 ? 0 : x[j] / d) + bias, 0, (1 << bits) - 1);
        }

        PackLegacy(q, bits == 5 ? y[2..] : y[2..], bits);
    }

    // Q4_1 / Q5_1: q = round((x − min)/d), values q·d + min.
    private static void AffineLegacy(ReadOnlySpan<float> x, Span<byte> y, int bits)
    {
        float min = float.MaxValue, max = float.MinValue;
        foreach (float v in x)
        {
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }

        float d = (float)WriteHalf(y, (max - min) / ((1 << bits) - 1));
        float m = (float)WriteHalf(y[2..], min);
        var q = new int[32];
        for (int j = 0; j < 32; j++)
        {
            q[j] = Math.Clamp((int)MathF.Round(d == 0 ? 0 : (x[j] - m) / d), 0, (1 << bits) - 1);
        }

        PackLegacy(q, y[4..], bits);
    }

    // Low nibbles of bytes 0–15 are elements 0–15, high nibbles 16–31; 5-bit types first store a uint32 of fifth bits.
    private static void PackLegacy(int[] q, Span<byte> y, int bits)
    {
        Span<byte> qs = y;
        if (bits == 5)
        {
            uint qh = 0;
            for (int j = 0; j < 32; j++)
            {
                qh |= (uint)((q[j] >> 4) & 1) << j;
            }

            BinaryPrimitives.WriteUInt32LittleEndian(y, qh);
            qs = y[4..];
        }

        for (int j = 0; j < 16; j++)
        {
            qs[j] = (byte)((q[j] & 0xF) | ((q[j + 16] & 0xF) << 4));
        }
    }

    // Sub-block scales and mins (min ≥ 0 is subtracted): value = d·sc·q − dmin·m.
    private static (float[] Scales, float[] Mins) AffineSubBlocks(ReadOnlySpan<float> x, int subBlock, int levels)
    {
        int count = x.Length / subBlock;
        var scales = new float[count];
        var mins = new float[count];
        for (int s = 0; s < count; s++)
        {
            ReadOnlySpan<float> part = x.Slice(s * subBlock, subBlock);
            float min = 0, max = 0;
            foreach (float v in part)
            {
                min = Math.Min(min, v);
                max = Math.Max(max, v);
            }

            scales[s] = (max - min) / levels;
            mins[s] = -min;
        }

        return (scales, mins);
    }

    private static void Q2K(ReadOnlySpan<float> x, Span<byte> y)
    {
        (float[] scales, float[] mins) = AffineSubBlocks(x, 16, 3);
        float d = (float)WriteHalf(y[80..], scales.Max() / 15f);
        float dmin = (float)WriteHalf(y[82..], mins.Max() / 15f);
        var sc = new int[16];
        var m = new int[16];
        for (int s = 0; s < 16; s++)
        {
            sc[s] = Math.Clamp((int)MathF.Round(d == 0 ? 0 : scales[s] / d), 0, 15);
            m[s] = Math.Clamp((int)MathF.Round(dmin == 0 ? 0 : mins[s] / dmin), 0, 15);
            y[s] = (byte)(sc[s] | (m[s] << 4));
        }

        // Element e: half e/128, shift 2·((e%128)/32), byte half·32 + (e%32).
        for (int e = 0; e < 256; e++)
        {
            int s = e / 16;
            float step = d * sc[s];
            int q = Math.Clamp((int)MathF.Round(step == 0 ? 0 : (x[e] + (dmin * m[s])) / step), 0, 3);
            y[16 + ((e / 128) * 32) + (e % 32)] |= (byte)(q << (2 * ((e % 128) / 32)));
        }
    }

    private static void Q3K(ReadOnlySpan<float> x, Span<byte> y)
    {
        var scales = new float[16];
        for (int s = 0; s < 16; s++)
        {
            scales[s] = MaxAbs(x.Slice(s * 16, 16)) / 4f;
        }

        float d = (float)WriteHalf(y[108..], scales.Max() / 31f);
        var sc = new int[16];
        for (int s = 0; s < 16; s++)
        {
            sc[s] = Math.Clamp((int)MathF.Round(d == 0 ? 0 : scales[s] / d), 0, 31) + 32;
            y[96 + (s % 8)] |= (byte)((sc[s] & 0xF) << (s < 8 ? 0 : 4));
            y[104 + (s % 4)] |= (byte)((sc[s] >> 4) << (2 * (s / 4)));
        }

        for (int e = 0; e < 256; e++)
        {
            float step = d * (sc[e / 16] - 32);
            int q = Math.Clamp((int)MathF.Round(step == 0 ? 0 : x[e] / step), -4, 3) + 4;
            int shift = (e / 128 * 4) + ((e % 128) / 32);
            int l = e % 32;
            y[32 + ((e / 128) * 32) + l] |= (byte)((q & 3) << (2 * ((e % 128) / 32)));
            if (q >= 4)
            {
                y[l] |= (byte)(1 << shift);
            }
        }
    }

    private static void Q45K(ReadOnlySpan<float> x, Span<byte> y, int bits)
    {
        (float[] scales, float[] mins) = AffineSubBlocks(x, 32, (1 << bits) - 1);
        float d = (float)WriteHalf(y, scales.Max() / 63f);
        float dmin = (float)WriteHalf(y[2..], mins.Max() / 63f);
        var sc = new int[8];
        var m = new int[8];
        for (int s = 0; s < 8; s++)
        {
            sc[s] = Math.Clamp((int)MathF.Round(d == 0 ? 0 : scales[s] / d), 0, 63);
            m[s] = Math.Clamp((int)MathF.Round(dmin == 0 ? 0 : mins[s] / dmin), 0, 63);
        }

        PackScaleMinK4(sc, m, y.Slice(4, 12));
        Span<byte> qh = bits == 5 ? y.Slice(16, 32) : [];
        Span<byte> qs = y.Slice(bits == 5 ? 48 : 16, 128);
        for (int e = 0; e < 256; e++)
        {
            int s = e / 32;
            float step = d * sc[s];
            int q = Math.Clamp((int)MathF.Round(step == 0 ? 0 : (x[e] + (dmin * m[s])) / step), 0, (1 << bits) - 1);
            int l = e % 32;
            qs[((e / 64) * 32) + l] |= (byte)((q & 0xF) << (s % 2 == 0 ? 0 : 4));
            if (bits == 5 && q >= 16)
            {
                qh[l] |= (byte)(1 << s);
            }
        }
    }

    // Inverse of get_scale_min_k4: sub-blocks 0–3 use the low 6 bits of bytes 0–7; 4–7 split over bytes 8–11
    // (low nibble scale, high nibble min) and the top 2 bits of bytes 0–7.
    private static void PackScaleMinK4(int[] sc, int[] m, Span<byte> q)
    {
        for (int j = 0; j < 4; j++)
        {
            q[j] = (byte)((sc[j] & 63) | ((sc[j + 4] >> 4) << 6));
            q[j + 4] = (byte)((m[j] & 63) | ((m[j + 4] >> 4) << 6));
            q[j + 8] = (byte)((sc[j + 4] & 0xF) | ((m[j + 4] & 0xF) << 4));
        }
    }

    private static void Q6K(ReadOnlySpan<float> x, Span<byte> y)
    {
        var scales = new float[16];
        for (int s = 0; s < 16; s++)
        {
            scales[s] = MaxAbs(x.Slice(s * 16, 16)) / 31f;
        }

        float d = (float)WriteHalf(y[208..], scales.Max() / 127f);
        var sc = new int[16];
        for (int s = 0; s < 16; s++)
        {
            sc[s] = Math.Clamp((int)MathF.Round(d == 0 ? 0 : scales[s] / d), -128, 127);
            y[192 + s] = (byte)(sbyte)sc[s];
        }

        // Element e: half h = e/128, quarter k = (e%128)/32, l = e%32, scale h·8 + 2k + l/16.
        for (int e = 0; e < 256; e++)
        {
            int h = e / 128, k = (e % 128) / 32, l = e % 32;
            float step = d * sc[(h * 8) + (2 * k) + (l / 16)];
            int q = Math.Clamp((int)MathF.Round(step == 0 ? 0 : x[e] / step), -32, 31) + 32;
            int low = (h * 64) + l + (k % 2 == 1 ? 32 : 0);
            y[low] |= (byte)((q & 0xF) << (k >= 2 ? 4 : 0));
            y[128 + (h * 32) + l] |= (byte)((q >> 4) << (2 * k));
        }
    }
}
