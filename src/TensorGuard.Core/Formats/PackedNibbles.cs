namespace TensorGuard.Core.Formats;

/// <summary>
/// 4-bit integers packed two to a byte, the even element in the low nibble, signed ones in two's complement: ONNX's
/// INT4 and UINT4 and TFLite's INT4 (tensor_utils UnpackDenseInt4IntoInt8) alike. No element type reads them, so each
/// reader that meets them reads them here.
/// </summary>
internal static class PackedNibbles
{
    /// <summary>Bytes that hold <paramref name="elements"/> packed values (the last byte's high nibble unused when odd).</summary>
    public static long Bytes(long elements) => (elements / 2) + (elements % 2);

    /// <summary>Reads elements from <paramref name="firstElement"/> on of the packed values at <paramref name="offset"/> as float32.</summary>
    public static void Read(IByteSource file, long offset, TensorDType dtype, long firstElement, Span<float> destination)
    {
        if (destination.IsEmpty)
        {
            return;
        }

        long firstByte = firstElement / 2;
        long lastByte = (firstElement + destination.Length - 1) / 2;
        ReadOnlySpan<byte> packed = file.Span(offset + firstByte, lastByte - firstByte + 1, "4-bit tensor data");
        for (int i = 0; i < destination.Length; i++)
        {
            long element = firstElement + i;
            destination[i] = Value(dtype, packed[(int)((element / 2) - firstByte)], element);
        }
    }

    /// <summary>The value of <paramref name="element"/> (its parity picks the nibble) in <paramref name="packed"/>.</summary>
    public static float Value(TensorDType dtype, byte packed, long element)
    {
        int bits = (element & 1) == 0 ? packed & 0xF : packed >> 4;
        return dtype == TensorDType.I4 && bits >= 8 ? bits - 16 : bits;
    }
}
