using TensorGuard.Core.Formats;

namespace TensorGuard.ModelFactory.Formats;

/// <summary>
/// Values laid out as the writers' formats store elements of a dtype: little-endian integers and floats, 4-bit
/// integers two to a byte, 8-bit float codes (<see cref="Float8Codes"/>), and the float and block-quantized types of
/// <see cref="GgufQuantizer"/>. One encoder for the ONNX, TFLite and PyTorch writers, so a dtype is stored alike in each.
/// </summary>
public static class ElementBytes
{
    /// <summary>The bytes of <paramref name="values"/> stored as <paramref name="dtype"/>.</summary>
    public static byte[] Encode(TensorDType dtype, float[] values) => dtype switch
    {
        TensorDType.F64 => values.SelectMany(v => BitConverter.GetBytes((double)v)).ToArray(),
        TensorDType.I64 => values.SelectMany(v => BitConverter.GetBytes((long)v)).ToArray(),
        TensorDType.I32 => values.SelectMany(v => BitConverter.GetBytes((int)v)).ToArray(),
        TensorDType.U8 => values.Select(v => (byte)v).ToArray(),
        TensorDType.I8 => values.Select(v => unchecked((byte)(sbyte)v)).ToArray(),
        TensorDType.U16 => values.SelectMany(v => BitConverter.GetBytes((ushort)v)).ToArray(),
        TensorDType.I16 => values.SelectMany(v => BitConverter.GetBytes((short)v)).ToArray(),
        TensorDType.U4 or TensorDType.I4 => PackNibbles(values),
        _ when Float8Codes.Types.Contains(dtype) => values.Select(v => Float8Codes.Encode(dtype, v)).ToArray(),
        _ => GgufQuantizer.Quantize(dtype, values),
    };

    /// <summary>4-bit integers two to a byte, the even element in the low nibble (ONNX INT4/UINT4, TFLite INT4).</summary>
    public static byte[] PackNibbles(float[] values)
    {
        var packed = new byte[(values.Length + 1) / 2];
        for (int i = 0; i < values.Length; i++)
        {
            packed[i / 2] |= (byte)((((int)values[i]) & 0xF) << (4 * (i % 2)));
        }

        return packed;
    }
}
