using TensorGuard.Core.Fingerprints.Lineage;
using TensorGuard.Core.Formats;
using TensorGuard.ModelFactory;
using TensorGuard.ModelFactory.Formats;
using TensorGuard.Tests.Corpus;
using static TensorGuard.ModelFactory.Formats.OnnxWriter;

namespace TensorGuard.Core.Tests.Formats;

/// <summary>
/// ONNX weights stored as integer codes for QLinearConv, QLinearMatMul, ConvInteger, MatMulInteger and blocked
/// 4-bit DequantizeLinear, or as 8-bit float codes for DequantizeLinear: read dequantized and compared with their
/// float original.
/// </summary>
public sealed class OnnxQuantizedOperatorTests
{
    private static readonly float[] Values = Enumerable.Range(0, 15).Select(i => (float)Math.Sin(i * 1.7) * (1 + (i % 4))).ToArray();

    public static TheoryData<QuantizedOperator, TensorDType, int?, long> Forms() => new()
    {
        { QuantizedOperator.DequantizeLinear, TensorDType.I8, 0, 0 },
        { QuantizedOperator.DequantizeLinear, TensorDType.U16, 1, 0 },
        { QuantizedOperator.DequantizeLinear, TensorDType.I16, null, 0 },
        { QuantizedOperator.DequantizeLinear, TensorDType.I4, null, 0 },
        { QuantizedOperator.DequantizeLinear, TensorDType.U4, 1, 0 },
        { QuantizedOperator.DequantizeLinear, TensorDType.I4, 1, 2 },
        { QuantizedOperator.DequantizeLinear, TensorDType.U4, 0, 2 },
        { QuantizedOperator.QLinearConv, TensorDType.U8, 0, 0 },
        { QuantizedOperator.QLinearConv, TensorDType.I8, null, 0 },
        { QuantizedOperator.QLinearMatMul, TensorDType.I8, 1, 0 },
        { QuantizedOperator.QLinearMatMul, TensorDType.U8, null, 0 },
        { QuantizedOperator.ConvInteger, TensorDType.U8, 0, 0 },
        { QuantizedOperator.MatMulInteger, TensorDType.I8, 1, 0 },
        { QuantizedOperator.MatMulInteger, TensorDType.U8, null, 0 },
    };

    [Theory]
    [MemberData(nameof(Forms))]
    public void Open_QuantizedWeight_IsReadDequantizedUnderItsOriginalName(QuantizedOperator op, TensorDType codes, int? axis, long blockSize)
    {
        using var scratch = new TestDirectory();
        string path = new OnnxWriter().QuantizedWeight("layer.weight", [3, 5], Values, op, codes, axis, blockSize).Write(scratch.Path);

        using LoadedModel model = ModelLoader.Open(path);

        TensorEntry tensor = Assert.Single(model.Tensors);
        Assert.Equal(("layer.weight", TensorDType.F32), (tensor.Name, tensor.DType));
        float levels = codes.BitSize() == 4 ? 15 : codes.BitSize() == 8 ? 255 : 65535;
        float step = (Values.Max() - Values.Min()) / levels;
        Assert.All(Values.Zip(GgufFileTests.ReadAll(model, tensor)), pair => Assert.InRange(pair.Second, pair.First - step, pair.First + step));
    }

    [Fact]
    public void Open_Int4CodesInTypedFields_ArePackedTwoToAnEntry()
    {
        using var scratch = new TestDirectory();
        float[] codes = [-8, 7, -1, 0, 3];
        string path = new OnnxWriter()
            .Initializer("w_quantized", [5], TensorDType.I4, codes, Storage.Typed)
            .Initializer("w_scale", [], TensorDType.F32, [0.5f])
            .Node("DequantizeLinear", ["w_quantized", "w_scale"], ["w"])
            .Write(scratch.Path);

        using LoadedModel model = ModelLoader.Open(path);

        Assert.Equal(codes.Select(c => c * 0.5f), GgufFileTests.ReadAll(model, Assert.Single(model.Tensors)));
    }

    [Fact]
    public void Open_IntegerMatMulWithoutAScaleInTheGraph_LeavesTheCodesAsIntegers()
    {
        using var scratch = new TestDirectory();
        string path = new OnnxWriter()
            .Initializer("w_quantized", [3, 5], TensorDType.U8, new float[15])
            .Initializer("w_scale", [], TensorDType.F32, [0.5f])
            .Node("MatMulInteger", ["x", "w_quantized"], ["y"])
            .Write(scratch.Path);

        using LoadedModel model = ModelLoader.Open(path);

        Assert.Equal([("w_quantized", TensorDType.U8), ("w_scale", TensorDType.F32)], model.Tensors.Select(t => (t.Name, t.DType)));
    }

    [Fact]
    public void Open_BlockScalesThatDoNotFitTheBlocks_AreACorruptModel()
    {
        using var scratch = new TestDirectory();
        string path = new OnnxWriter()
            .Initializer("w_quantized", [3, 5], TensorDType.I4, new float[15])
            .Initializer("w_scale", [3, 2], TensorDType.F32, [1, 1, 1, 1, 1, 1])
            .Node("DequantizeLinear", ["w_quantized", "w_scale"], ["w"], axis: 1, blockSize: 2)
            .Write(scratch.Path);

        var error = Assert.Throws<ModelFormatException>(() => ModelLoader.Open(path).Dispose());

        Assert.Contains("has scales of shape [3, 2], which do not fit blocks of 2 along axis 1 of its shape [3, 5]", error.Message);
    }

    /// <summary>How a whole model is quantized: kernels and matrices, each read by the operator named.</summary>
    public enum Form
    {
        QLinear,
        Integer,
        BlockedInt4,
        Int16,
        Float8E4M3PerChannel,
        Float8E5M2PerTensor,
        Float8E4M3FnuzPerTensor,
        Float8E5M2FnuzPerChannel,
    }

    public static TheoryData<ModelFamily, Form> Pairs()
    {
        var pairs = new TheoryData<ModelFamily, Form>();
        foreach (ModelFamily family in new[] { ModelFamily.Llama, ModelFamily.ConvNet, ModelFamily.MlpHead })
        {
            foreach (Form form in Enum.GetValues<Form>())
            {
                pairs.Add(family, form);
            }
        }

        return pairs;
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Compare_QuantizedOnnxOfTheFloatModel_IsDerived(ModelFamily family, Form form)
    {
        using var scratch = new TestDirectory();
        TestModel model = TestModels.Create(family, seed: 1);
        string path = WriteQuantized(model.ToOnnx(), scratch.Path, form);

        using LoadedModel quantized = ModelLoader.Open(path);

        Assert.Equal(model.Weights.Count(t => t.Shape.Count >= 2), quantized.Tensors.Count(t => t.DType == TensorDType.F32 && t.Shape.Count >= 2));
        Assert.Equal(LineageVerdict.Derived, LineageComparer.Compare(LineageSketcher.Sketch(model), quantized).Verdict);
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Compare_QuantizedOnnxOfAnUnrelatedModel_IsNotDerived(ModelFamily family, Form form)
    {
        using var scratch = new TestDirectory();
        TestModel model = TestModels.Create(family, seed: 1);
        string path = WriteQuantized(model.Reinitialize(seed: 2).ToOnnx(), scratch.Path, form);

        using LoadedModel quantized = ModelLoader.Open(path);

        Assert.Equal(LineageVerdict.NotDerived, LineageComparer.Compare(LineageSketcher.Sketch(model), quantized).Verdict);
    }

    // Kernels per output channel (axis 0), MatMul weights (stored in × out) per column (axis 1) or, for 4-bit, in blocks
    // of 16 along the input axis, as ONNX Runtime's quantizers do; 8-bit float codes per tensor or per output channel,
    // behind DequantizeLinear (opset 19); vectors stay float.
    private static string WriteQuantized(TestModel model, string directory, Form form)
    {
        var writer = new OnnxWriter();
        foreach (TestTensor tensor in model.Weights)
        {
            long[] dims = tensor.StoredShape.Select(d => (long)d).ToArray();
            float[] values = tensor.StoredValues.ToArray();
            bool kernel = dims.Length > 2;
            _ = (dims.Length, form) switch
            {
                (< 2, _) => writer.Initializer(tensor.Name, dims, TensorDType.F32, values),
                (_, Form.QLinear) => writer.QuantizedWeight(tensor.Name, dims, values, kernel ? QuantizedOperator.QLinearConv : QuantizedOperator.QLinearMatMul, TensorDType.I8, kernel ? 0 : 1),
                (_, Form.Integer) => writer.QuantizedWeight(tensor.Name, dims, values, kernel ? QuantizedOperator.ConvInteger : QuantizedOperator.MatMulInteger, TensorDType.U8, kernel ? 0 : 1),
                (_, Form.BlockedInt4) => writer.QuantizedWeight(tensor.Name, dims, values, QuantizedOperator.DequantizeLinear, TensorDType.I4, kernel ? 1 : 0, blockSize: 16),
                (_, Form.Int16) => writer.QuantizedWeight(tensor.Name, dims, values, QuantizedOperator.DequantizeLinear, TensorDType.I16, kernel ? 0 : 1),
                (_, Form.Float8E4M3PerChannel) => writer.QuantizedWeight(tensor.Name, dims, values, QuantizedOperator.DequantizeLinear, TensorDType.F8E4M3, kernel ? 0 : 1),
                (_, Form.Float8E5M2PerTensor) => writer.QuantizedWeight(tensor.Name, dims, values, QuantizedOperator.DequantizeLinear, TensorDType.F8E5M2),
                (_, Form.Float8E4M3FnuzPerTensor) => writer.QuantizedWeight(tensor.Name, dims, values, QuantizedOperator.DequantizeLinear, TensorDType.F8E4M3Fnuz),
                _ => writer.QuantizedWeight(tensor.Name, dims, values, QuantizedOperator.DequantizeLinear, TensorDType.F8E5M2Fnuz, kernel ? 0 : 1),
            };
        }

        return writer.Write(directory);
    }
}
