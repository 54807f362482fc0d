using TensorGuard.Core.Formats;

namespace TensorGuard.ModelFactory.Tests;

public sealed class Float8CodesTests
{
    // Largest finite values from the ONNX float8 note: S.1111.110 (bias 7), 1.75·2^15, S.1111.111 (bias 8), S.11111.11 (bias 16).
    [Theory]
    [InlineData(TensorDType.F8E4M3, 448f)]
    [InlineData(TensorDType.F8E5M2, 57344f)]
    [InlineData(TensorDType.F8E4M3Fnuz, 240f)]
    [InlineData(TensorDType.F8E5M2Fnuz, 57344f)]
    public void MaxFinite_IsTheLargestFiniteValueOfTheSpec(TensorDType dtype, float expected)
    {
        Assert.Equal(expected, Float8Codes.MaxFinite(dtype));
        Assert.Equal(expected, Float8Codes.Round(dtype, expected * 10));
        Assert.Equal(-expected, Float8Codes.Round(dtype, -expected * 10));
    }

    [Theory]
    [InlineData(TensorDType.F8E4M3)]
    [InlineData(TensorDType.F8E5M2)]
    [InlineData(TensorDType.F8E4M3Fnuz)]
    [InlineData(TensorDType.F8E5M2Fnuz)]
    public void Encode_EveryFiniteValue_GivesItsOwnCode(TensorDType dtype)
    {
        byte[] codes = Enumerable.Range(0, 256).Select(b => (byte)b).ToArray();
        var values = new float[256];
        Float32Converter.Convert(dtype, codes, values);

        Assert.All(codes.Where(code => float.IsFinite(values[code])), code => Assert.Equal(code, Float8Codes.Encode(dtype, values[code])));
    }

    [Theory]
    [InlineData(TensorDType.F8E4M3, 1.0625f, 0x38)] // halfway between 1 (0x38) and 1.125 (0x39): to the even code
    [InlineData(TensorDType.F8E4M3, 1.1875f, 0x3A)] // halfway between 1.125 (0x39) and 1.25 (0x3A)
    [InlineData(TensorDType.F8E4M3, -1e-9f, 0x80)] // E4M3FN keeps negative zero
    [InlineData(TensorDType.F8E4M3Fnuz, -1e-9f, 0x00)] // FNUZ has one zero: 0x80 is its NaN
    [InlineData(TensorDType.F8E5M2Fnuz, -0f, 0x00)]
    [InlineData(TensorDType.F8E5M2, 1e9f, 0x7B)] // saturates at 57344 rather than reaching infinity (0x7C)
    public void Encode_RoundsToNearestEvenAndKeepsZeroValid(TensorDType dtype, float value, int expected)
    {
        Assert.Equal(expected, Float8Codes.Encode(dtype, value));
    }
}
