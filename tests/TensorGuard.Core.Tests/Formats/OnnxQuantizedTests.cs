using TensorGuard.Core.Fingerprints.Lineage;
using TensorGuard.Core.Formats;
using TensorGuard.ModelFactory;
using TensorGuard.ModelFactory.Formats;
using TensorGuard.Tests.Corpus;

namespace TensorGuard.Core.Tests.Formats;

/// <summary>ONNX weights quantized to uint8 (QuantizeLinear/DequantizeLinear initializers) read dequantized and compared with their float original.</summary>
public sealed class OnnxQuantizedTests
{
    [Theory]
    [InlineData(null)]
    [InlineData(0)]
    [InlineData(1)]
    public void Open_QuantizedMatrix_IsReadDequantizedUnderItsOriginalName(int? axis)
    {
        using var scratch = new TestDirectory();
        float[] values = Enumerable.Range(0, 12).Select(i => (float)Math.Sin(i * 1.7) * (1 + (i % 4))).ToArray();
        string path = new OnnxWriter().QuantizedInitializer("layer.weight", [3, 4], values, axis).Write(scratch.Path);

        using LoadedModel model = ModelLoader.Open(path);

        TensorEntry tensor = Assert.Single(model.Tensors);
        Assert.Equal(("layer.weight", TensorDType.F32), (tensor.Name, tensor.DType));
        float[] read = GgufFileTests.ReadAll(model, tensor);
        float step = (values.Max() - values.Min()) / 255f;
        Assert.All(values.Zip(read), pair => Assert.InRange(pair.Second, pair.First - step, pair.First + step));
    }

    [Fact]
    public void Open_ScalesThatFitNoAxis_AreACorruptModel()
    {
        using var scratch = new TestDirectory();
        string path = new OnnxWriter()
            .Initializer("w_quantized", [3, 4], TensorDType.U8, new float[12])
            .Initializer("w_scale", [5], TensorDType.F32, [1, 1, 1, 1, 1])
            .Node("DequantizeLinear", ["w_quantized", "w_scale"], ["w"], axis: 0)
            .Write(scratch.Path);

        var error = Assert.Throws<ModelFormatException>(() => ModelLoader.Open(path).Dispose());

        Assert.Contains("has 5 scales, which match neither one per tensor nor one per index of axis 0 of its shape [3, 4]", error.Message);
    }

    public static TheoryData<ModelFamily, int?> Pairs() => new()
    {
        { ModelFamily.Llama, null },
        { ModelFamily.ConvNet, 0 },
        { ModelFamily.MlpHead, 0 },
    };

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Compare_QuantizedOnnxOfTheFloatModel_IsDerived(ModelFamily family, int? axis)
    {
        using var scratch = new TestDirectory();
        TestModel model = TestModels.Create(family, seed: 1);
        string path = WriteQuantized(model, scratch.Path, axis);

        using LoadedModel quantized = ModelLoader.Open(path);

        Assert.Equal(model.Tensors.Select(t => t.Name).Order(StringComparer.Ordinal), quantized.Tensors.Select(t => t.Name).Order(StringComparer.Ordinal));
        Assert.Equal(LineageVerdict.Derived, LineageComparer.Compare(LineageSketcher.Sketch(model), quantized).Verdict);
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Compare_QuantizedOnnxOfAnUnrelatedModel_IsNotDerived(ModelFamily family, int? axis)
    {
        using var scratch = new TestDirectory();
        TestModel model = TestModels.Create(family, seed: 1);
        string path = WriteQuantized(model.Reinitialize(seed: 2), scratch.Path, axis);

        using LoadedModel quantized = ModelLoader.Open(path);

        Assert.Equal(LineageVerdict.NotDerived, LineageComparer.Compare(LineageSketcher.Sketch(model), quantized).Verdict);
    }

    // Matrices and kernels as uint8 codes with scales, vectors as float, as ONNX Runtime's weight quantizer leaves them.
    private static string WriteQuantized(TestModel model, string directory, int? axis)
    {
        var writer = new OnnxWriter();
        foreach (TestTensor tensor in model.Weights)
        {
            long[] dims = tensor.StoredShape.Select(d => (long)d).ToArray();
            float[] values = tensor.StoredValues.ToArray();
            _ = dims.Length >= 2
                ? writer.QuantizedInitializer(tensor.Name, dims, values, axis)
                : writer.Initializer(tensor.Name, dims, TensorDType.F32, values);
        }

        return writer.Write(directory);
    }
}
