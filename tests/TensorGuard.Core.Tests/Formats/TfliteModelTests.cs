using TensorGuard.Core.Fingerprints.Lineage;
using TensorGuard.Core.Formats;
using TensorGuard.ModelFactory;
using TensorGuard.ModelFactory.Formats;
using TensorGuard.Tests.Corpus;

namespace TensorGuard.Core.Tests.Formats;

/// <summary>TFLite models: channels-last filters presented as PyTorch stores them, int8 codes dequantized, float16 filters behind DEQUANTIZE, and comparison with the PyTorch original.</summary>
public sealed class TfliteModelTests
{
    [Fact]
    public void Open_ConvFilter_IsPresentedAsPyTorchStoresIt()
    {
        using var scratch = new TestDirectory();
        float[] pytorch = Enumerable.Range(0, 4 * 3 * 2 * 2).Select(i => (float)i).ToArray();
        var writer = new TfliteWriter();
        int filter = writer.Tensor("conv.weight", [4, 2, 2, 3], TensorDType.F32, Bytes(TfliteWriter.ChannelsLast(pytorch, 4, 3, 4)));
        string path = writer.Operator(TfliteWriter.Conv2D, [writer.Activation("x", [1, 8, 8, 3]), filter], [writer.Activation("y", [1, 7, 7, 4])]).Write(scratch.Path);

        using LoadedModel model = ModelLoader.Open(path);

        TensorEntry tensor = Assert.Single(model.Tensors);
        Assert.Equal(("conv.weight", "tflite", "[4, 3, 2, 2]"), (tensor.Name, model.Format, tensor.ShapeText));
        Assert.Equal(pytorch, GgufFileTests.ReadAll(model, tensor));
    }

    [Fact]
    public void Open_DepthwiseFilter_IsPresentedAsChannelsByOne()
    {
        using var scratch = new TestDirectory();
        float[] pytorch = Enumerable.Range(0, 6 * 3 * 3).Select(i => (float)i).ToArray();
        var writer = new TfliteWriter();
        int filter = writer.Tensor("dw.weight", [1, 3, 3, 6], TensorDType.F32, Bytes(TfliteWriter.ChannelsLast(pytorch, 1, 6, 9)));
        string path = writer.Operator(TfliteWriter.DepthwiseConv2D, [writer.Activation("x", [1, 8, 8, 6]), filter], [writer.Activation("y", [1, 6, 6, 6])]).Write(scratch.Path);

        using LoadedModel model = ModelLoader.Open(path);

        TensorEntry tensor = Assert.Single(model.Tensors);
        Assert.Equal("[6, 1, 3, 3]", tensor.ShapeText);
        Assert.Equal(pytorch, GgufFileTests.ReadAll(model, tensor));
    }

    [Fact]
    public void Open_Int8CodesPerChannel_AreDequantized()
    {
        using var scratch = new TestDirectory();
        sbyte[] codes = [-128, -1, 0, 127, 5, 6, 7, 8, 1, 2, 3, 4];
        var writer = new TfliteWriter();
        writer.Tensor("fc.weight", [3, 4], TensorDType.I8, codes.Select(c => unchecked((byte)c)).ToArray(), scales: [0.5f, 0.25f, 2f], zeroPoints: [0, 4, -1], dimension: 0);
        string path = writer.Write(scratch.Path);

        using LoadedModel model = ModelLoader.Open(path);

        TensorEntry tensor = Assert.Single(model.Tensors);
        Assert.Equal(TensorDType.F32, tensor.DType);
        float[] scales = [0.5f, 0.25f, 2f], zeroPoints = [0, 4, -1];
        Assert.Equal(codes.Select((c, i) => (c - zeroPoints[i / 4]) * scales[i / 4]), GgufFileTests.ReadAll(model, tensor));
    }

    [Fact]
    public void Open_ScalesThatFitNoDimension_AreACorruptModel()
    {
        using var scratch = new TestDirectory();
        var writer = new TfliteWriter();
        writer.Tensor("fc.weight", [3, 4], TensorDType.I8, new byte[12], scales: [1, 1], dimension: 1);
        string path = writer.Write(scratch.Path);

        var error = Assert.Throws<ModelFormatException>(() => ModelLoader.Open(path).Dispose());

        Assert.Contains("has 2 scales, which match neither one per tensor nor one per index of quantized_dimension 1 of its shape [3, 4]", error.Message);
    }

    [Fact]
    public void Open_ADirectoryWithATfliteFile_ReadsIt()
    {
        using var scratch = new TestDirectory();
        var writer = new TfliteWriter();
        writer.Tensor("fc.weight", [2, 2], TensorDType.F32, Bytes([1, 2, 3, 4]));
        writer.Write(scratch.Path);

        using LoadedModel model = ModelLoader.Open(scratch.Path);

        Assert.Equal(("tflite", "fc.weight"), (model.Format, Assert.Single(model.Tensors).Name));
    }

    public static TheoryData<ModelFamily, TfliteWriter.Storage> Pairs()
    {
        var pairs = new TheoryData<ModelFamily, TfliteWriter.Storage>();
        foreach (ModelFamily family in new[] { ModelFamily.ConvNet, ModelFamily.MlpHead })
        {
            foreach (TfliteWriter.Storage form in Enum.GetValues<TfliteWriter.Storage>())
            {
                pairs.Add(family, form);
            }
        }

        return pairs;
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Compare_TfliteOfThePyTorchModel_IsDerived(ModelFamily family, TfliteWriter.Storage form)
    {
        using var scratch = new TestDirectory();
        TestModel model = TestModels.Create(family, seed: 1);
        string path = TfliteWriter.Save(model, scratch.Path, form);

        using LoadedModel converted = ModelLoader.Open(path);

        Assert.Equal(
            model.Weights.Select(t => (t.Name, "[" + string.Join(", ", t.Shape) + "]")).Order(),
            converted.Tensors.Select(t => (t.Name, t.ShapeText)).Order());
        Assert.Equal(LineageVerdict.Derived, LineageComparer.Compare(LineageSketcher.Sketch(model), converted).Verdict);
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Compare_TfliteOfAnUnrelatedModel_IsNotDerived(ModelFamily family, TfliteWriter.Storage form)
    {
        using var scratch = new TestDirectory();
        TestModel model = TestModels.Create(family, seed: 1);
        string path = TfliteWriter.Save(model.Reinitialize(seed: 2), scratch.Path, form);

        using LoadedModel converted = ModelLoader.Open(path);

        Assert.Equal(LineageVerdict.NotDerived, LineageComparer.Compare(LineageSketcher.Sketch(model), converted).Verdict);
    }

    private static byte[] Bytes(float[] values) => TfliteWriter.Float32(values);
}
