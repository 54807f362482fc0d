using TensorGuard.Core.Formats;
using TensorGuard.ModelFactory.Formats;
using TensorGuard.Tests.Corpus;
using static TensorGuard.ModelFactory.Formats.OnnxWriter;

namespace TensorGuard.Core.Tests.Formats;

/// <summary>
/// ONNX weights stored as 8-bit float codes with float scales behind DequantizeLinear (opset 19): read dequantized,
/// <c>code · scale</c>, under the original name (whole models: <see cref="OnnxQuantizedOperatorTests"/>).
/// </summary>
public sealed class OnnxFloat8Tests
{
    // Rows of very different magnitudes, so that a row read with another row's scale (or none) is far off.
    private static readonly float[] Values = Enumerable.Range(0, 15).Select(i => (float)Math.Sin(i * 1.7) * (1 + (i % 4)) * MathF.Pow(40, i / 5)).ToArray();

    /// <summary>Mantissa bits and smallest positive value of each type, from the table of the ONNX float8 note.</summary>
    internal static (int MantissaBits, float Smallest) Spec(TensorDType dtype) => dtype switch
    {
        TensorDType.F8E4M3 => (3, MathF.ScaleB(1, -9)),
        TensorDType.F8E4M3Fnuz => (3, MathF.ScaleB(1, -10)),
        TensorDType.F8E5M2 => (2, MathF.ScaleB(1, -16)),
        _ => (2, MathF.ScaleB(1, -17)),
    };

    public static TheoryData<TensorDType, int?, long> Forms()
    {
        var forms = new TheoryData<TensorDType, int?, long>();
        foreach (TensorDType dtype in new[] { TensorDType.F8E4M3, TensorDType.F8E4M3Fnuz, TensorDType.F8E5M2, TensorDType.F8E5M2Fnuz })
        {
            forms.Add(dtype, null, 0);
            forms.Add(dtype, 0, 0);
            forms.Add(dtype, 1, 0);
        }

        forms.Add(TensorDType.F8E4M3, 1, 2);
        forms.Add(TensorDType.F8E5M2Fnuz, 0, 2);
        return forms;
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public void Open_Float8Codes_AreReadWithinOneStepUnderTheOriginalName(TensorDType dtype, int? axis, long blockSize)
    {
        using var scratch = new TestDirectory();
        string path = new OnnxWriter().QuantizedWeight("layer.weight", [3, 5], Values, QuantizedOperator.DequantizeLinear, dtype, axis, blockSize).Write(scratch.Path);

        using LoadedModel model = ModelLoader.Open(path);

        TensorEntry tensor = Assert.Single(model.Tensors);
        Assert.Equal(("layer.weight", TensorDType.F32), (tensor.Name, tensor.DType));

        // One step of the type at |v| is at most |v|·2^-m among normal values and the smallest value below them, in
        // units of the scale; the per-tensor scale (largest magnitude / largest finite value) bounds every row's.
        (int mantissaBits, float smallest) = Spec(dtype);
        float maxFinite = dtype switch { TensorDType.F8E4M3 => 448, TensorDType.F8E4M3Fnuz => 240, _ => 57344 };
        float scale = Values.Max(MathF.Abs) / maxFinite;
        Assert.All(Values.Zip(GgufFileTests.ReadAll(model, tensor)), pair =>
        {
            float step = Math.Max(MathF.Abs(pair.First) * MathF.ScaleB(1, -mantissaBits), smallest * scale);
            Assert.InRange(pair.Second, pair.First - step, pair.First + step);
        });
    }

    [Fact]
    public void Open_Float8CodesInTypedFields_AreReadAsTheirBitPatternsTimesTheScale()
    {
        // E4M3FNUZ (bias 8): 0x40 = 2^0 = 1, 0xFF = −2^7·1.875 = −240, 0x3C = 2^-1·1.5 = 0.75, 0x01 = 2^-7·1/8.
        using var scratch = new TestDirectory();
        string path = new OnnxWriter()
            .Initializer("w_quantized", [4], TensorDType.F8E4M3Fnuz, [1, -240, 0.75f, MathF.ScaleB(1, -10)], Storage.Typed)
            .Initializer("w_scale", [], TensorDType.F32, [0.5f])
            .Node("DequantizeLinear", ["w_quantized", "w_scale"], ["w"])
            .Write(scratch.Path);

        using LoadedModel model = ModelLoader.Open(path);

        Assert.Equal([0.5f, -120f, 0.375f, MathF.ScaleB(1, -11)], GgufFileTests.ReadAll(model, Assert.Single(model.Tensors)));
    }

    public static TheoryData<string, string> HostileCases() => new()
    {
        { "non-zero zero point", "holds F8_E4M3 codes with a non-zero zero point" },
        { "zero point of another type", "has a zero point of 1 U8 values for 1 scales of F8_E4M3 codes" },
        { "scales that fit no axis", "has 5 scales, which match neither one per tensor nor one per index of axis 0 of its shape [3, 4]" },
        { "NaN scale", "has a non-finite scale" },
    };

    [Theory]
    [MemberData(nameof(HostileCases))]
    public void Open_HostileFloat8Quantization_IsOneCorruptModelMessage(string hostile, string expected)
    {
        using var scratch = new TestDirectory();
        var writer = new OnnxWriter().Initializer("w_quantized", [3, 4], TensorDType.F8E4M3, Values[..12]);
        _ = hostile switch
        {
            "non-zero zero point" => writer.Initializer("w_scale", [], TensorDType.F32, [0.5f]).Initializer("w_zero_point", [], TensorDType.F8E4M3, [1]),
            "zero point of another type" => writer.Initializer("w_scale", [], TensorDType.F32, [0.5f]).Initializer("w_zero_point", [], TensorDType.U8, [0]),
            "scales that fit no axis" => writer.Initializer("w_scale", [5], TensorDType.F32, [1, 1, 1, 1, 1]).Initializer("w_zero_point", [5], TensorDType.F8E4M3, new float[5]),
            _ => writer.Initializer("w_scale", [3], TensorDType.F32, [1, float.NaN, 1]).Initializer("w_zero_point", [3], TensorDType.F8E4M3, new float[3]),
        };
        string path = writer.Node("DequantizeLinear", ["w_quantized", "w_scale", "w_zero_point"], ["w"], axis: 0).Write(scratch.Path);

        ModelFormatException error = Rejection.AssertRejected(path);

        Assert.Contains($"the quantized initializer \"w_quantized\" {expected}", error.Message, StringComparison.Ordinal);
    }
}
