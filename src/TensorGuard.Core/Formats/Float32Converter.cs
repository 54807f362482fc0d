using System.Buffers.Binary;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using System.Runtime.InteropServices;

namespace TensorGuard.Core.Formats;

/// <summary>Converts little-endian stored elements of any convertible <see cref="TensorDType"/> to float32.</summary>
public static class Float32Converter
{
    // The four FP8 types of the ONNX float8 note (docs/technical/float8.md). E4M3 ("FN", bias 7): no infinities,
    // S.1111.111 is NaN. E5M2 (bias 15): IEEE-754 layout with infinities and NaNs. The FNUZ types (bias 8 and 16)
    // have no infinities and one zero: 1.0000000 (negative zero's pattern) is their only NaN.
    private static readonly float[] F8E4M3Table = BuildTable(bits => (bits & 0x7F) == 0x7F ? float.NaN : DecodeMinifloat(bits, 3, 7));
    private static readonly float[] F8E5M2Table = BuildTable(bits => (bits & 0x7C) != 0x7C ? DecodeMinifloat(bits, 2, 15)
        : (bits & 0x3) != 0 ? float.NaN
        : (bits & 0x80) != 0 ? float.NegativeInfinity : float.PositiveInfinity);
    private static readonly float[] F8E4M3FnuzTable = BuildTable(bits => bits == 0x80 ? float.NaN : DecodeMinifloat(bits, 3, 8));
    private static readonly float[] F8E5M2FnuzTable = BuildTable(bits => bits == 0x80 ? float.NaN : DecodeMinifloat(bits, 2, 16));
    private static readonly float[] F8E8M0Table = BuildTable(bits => bits == 0xFF ? float.NaN : MathF.ScaleB(1f, bits - 127));

    /// <summary>
    /// Converts <paramref name="destination"/>.Length elements from <paramref name="source"/>, which must hold
    /// exactly that many elements of <paramref name="dtype"/>.
    /// </summary>
    /// <exception cref="NotSupportedException">The dtype has no float32 conversion (see <see cref="TensorDTypes.IsConvertible"/>).</exception>
    public static void Convert(TensorDType dtype, ReadOnlySpan<byte> source, Span<float> destination)
    {
        if (source.Length != checked(destination.Length * dtype.BitSize() / 8))
        {
            throw new ArgumentException("Source length does not match the destination's element count.", nameof(source));
        }

        switch (dtype)
        {
            case TensorDType.F32:
                ConvertF32(source, destination);
                break;
            case TensorDType.BF16:
                ConvertBF16(source, destination);
                break;
            case TensorDType.F16 when BitConverter.IsLittleEndian:
                TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(source), destination);
                break;
            case TensorDType.F16:
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(source[(2 * i)..]);
                }

                break;
            case TensorDType.F64:
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(source[(8 * i)..]);
                }

                break;
            case TensorDType.F8E4M3:
                Lookup(F8E4M3Table, source, destination);
                break;
            case TensorDType.F8E5M2:
                Lookup(F8E5M2Table, source, destination);
                break;
            case TensorDType.F8E4M3Fnuz:
                Lookup(F8E4M3FnuzTable, source, destination);
                break;
            case TensorDType.F8E5M2Fnuz:
                Lookup(F8E5M2FnuzTable, source, destination);
                break;
            case TensorDType.F8E8M0:
                Lookup(F8E8M0Table, source, destination);
                break;
            case TensorDType.Bool:
            case TensorDType.U8:
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = source[i];
                }

                break;
            case TensorDType.I8:
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = (sbyte)source[i];
                }

                break;
            case TensorDType.I16:
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = BinaryPrimitives.ReadInt16LittleEndian(source[(2 * i)..]);
                }

                break;
            case TensorDType.U16:
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = BinaryPrimitives.ReadUInt16LittleEndian(source[(2 * i)..]);
                }

                break;
            case TensorDType.I32:
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = BinaryPrimitives.ReadInt32LittleEndian(source[(4 * i)..]);
                }

                break;
            case TensorDType.U32:
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = BinaryPrimitives.ReadUInt32LittleEndian(source[(4 * i)..]);
                }

                break;
            case TensorDType.I64:
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = BinaryPrimitives.ReadInt64LittleEndian(source[(8 * i)..]);
                }

                break;
            case TensorDType.U64:
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = BinaryPrimitives.ReadUInt64LittleEndian(source[(8 * i)..]);
                }

                break;
            default:
                throw new NotSupportedException($"dtype {dtype.Name()} has no float32 conversion");
        }
    }

    private static void ConvertF32(ReadOnlySpan<byte> source, Span<float> destination)
    {
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.Cast<byte, float>(source).CopyTo(destination);
            return;
        }

        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = BinaryPrimitives.ReadSingleLittleEndian(source[(4 * i)..]);
        }
    }

    // bfloat16 is the upper half of a float32, so widening is a zero-extension and a 16-bit shift: one
    // SIMD pass (TensorPrimitives has no vectorised ushort→uint widening).
    private static void ConvertBF16(ReadOnlySpan<byte> source, Span<float> destination)
    {
        Span<uint> bits = MemoryMarshal.Cast<float, uint>(destination);
        int i = 0;
        if (BitConverter.IsLittleEndian)
        {
            ReadOnlySpan<ushort> halves = MemoryMarshal.Cast<byte, ushort>(source);
            ref ushort from = ref MemoryMarshal.GetReference(halves);
            ref uint to = ref MemoryMarshal.GetReference(bits);
            if (Vector256.IsHardwareAccelerated)
            {
                for (; i <= halves.Length - Vector256<ushort>.Count; i += Vector256<ushort>.Count)
                {
                    (Vector256<uint> lower, Vector256<uint> upper) = Vector256.Widen(Vector256.LoadUnsafe(ref from, (nuint)i));
                    Vector256.ShiftLeft(lower, 16).StoreUnsafe(ref to, (nuint)i);
                    Vector256.ShiftLeft(upper, 16).StoreUnsafe(ref to, (nuint)(i + Vector256<uint>.Count));
                }
            }
            else if (Vector128.IsHardwareAccelerated)
            {
                for (; i <= halves.Length - Vector128<ushort>.Count; i += Vector128<ushort>.Count)
                {
                    (Vector128<uint> lower, Vector128<uint> upper) = Vector128.Widen(Vector128.LoadUnsafe(ref from, (nuint)i));
                    Vector128.ShiftLeft(lower, 16).StoreUnsafe(ref to, (nuint)i);
                    Vector128.ShiftLeft(upper, 16).StoreUnsafe(ref to, (nuint)(i + Vector128<uint>.Count));
                }
            }
        }

        for (; i < bits.Length; i++)
        {
            bits[i] = (uint)BinaryPrimitives.ReadUInt16LittleEndian(source[(2 * i)..]) << 16;
        }
    }

    private static void Lookup(float[] table, ReadOnlySpan<byte> source, Span<float> destination)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = table[source[i]];
        }
    }

    private static float[] BuildTable(Func<int, float> decode)
    {
        var table = new float[256];
        for (int bits = 0; bits < 256; bits++)
        {
            table[bits] = decode(bits);
        }

        return table;
    }

    // A finite 8-bit float: sign bit, exponent field e with the given bias, then the mantissa; e = 0 is subnormal.
    private static float DecodeMinifloat(int bits, int mantissaBits, int bias)
    {
        int exponent = (bits & 0x7F) >> mantissaBits;
        float fraction = (bits & ((1 << mantissaBits) - 1)) / (float)(1 << mantissaBits);
        float magnitude = exponent == 0 ? MathF.ScaleB(fraction, 1 - bias) : MathF.ScaleB(1f + fraction, exponent - bias);
        return (bits & 0x80) != 0 ? -magnitude : magnitude;
    }
}
