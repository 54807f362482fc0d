using System.Text.RegularExpressions;
using TensorGuard.Core.Fingerprints;
using TensorGuard.Core.Fingerprints.Lineage;
using TensorGuard.Core.Formats;
using TensorGuard.ModelFactory;
using TensorGuard.ModelFactory.Formats;
using TensorGuard.Tests.Corpus;

namespace TensorGuard.Core.Tests.Formats;

/// <summary>TFLite models: channels-last filters (2-D, depthwise, transposed, 3-D) presented as PyTorch stores them, int8 codes dequantized, float16 filters behind DEQUANTIZE, and comparison with the PyTorch original.</summary>
public sealed class TfliteModelTests
{
    [Fact]
    public void Open_ConvFilter_IsPresentedAsPyTorchStoresIt()
    {
        using var scratch = new TestDirectory();
        float[] pytorch = Enumerable.Range(0, 4 * 3 * 2 * 2).Select(i => (float)i).ToArray();
        var writer = new TfliteWriter();
        int filter = writer.Tensor("conv.weight", [4, 2, 2, 3], TensorDType.F32, Bytes(TfliteWriter.Permute(pytorch, [4, 3, 2, 2], [0, 2, 3, 1])));
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
        int filter = writer.Tensor("dw.weight", [1, 3, 3, 6], TensorDType.F32, Bytes(TfliteWriter.Permute(pytorch, [6, 1, 3, 3], [1, 2, 3, 0])));
        string path = writer.Operator(TfliteWriter.DepthwiseConv2D, [writer.Activation("x", [1, 8, 8, 6]), filter], [writer.Activation("y", [1, 6, 6, 6])]).Write(scratch.Path);

        using LoadedModel model = ModelLoader.Open(path);

        TensorEntry tensor = Assert.Single(model.Tensors);
        Assert.Equal("[6, 1, 3, 3]", tensor.ShapeText);
        Assert.Equal(pytorch, GgufFileTests.ReadAll(model, tensor));
    }

    /// <summary>PyTorch's <c>ConvTranspose2d</c>, <c>Conv3d</c> and <c>ConvTranspose3d</c> weights, every side distinct so that no two axes can be confused.</summary>
    [Theory]
    [InlineData(new[] { 3, 4, 2, 5 }, true, "TRANSPOSE_CONV")]
    [InlineData(new[] { 4, 3, 2, 5, 6 }, false, "CONV_3D")]
    [InlineData(new[] { 3, 4, 2, 5, 6 }, true, "CONV_3D_TRANSPOSE")]
    public void Open_FilterOfAnotherConvolution_IsPresentedAsPyTorchStoresIt(int[] pytorchShape, bool transposed, string operatorName)
    {
        using var scratch = new TestDirectory();
        float[] pytorch = Enumerable.Range(0, pytorchShape.Aggregate(1, (product, side) => product * side)).Select(i => (float)i).ToArray();
        (int code, int[] axes, _) = TfliteWriter.FilterLayout(pytorchShape.Length, transposed);
        var writer = new TfliteWriter();
        int filter = writer.Tensor("deconv.weight", axes.Select(axis => pytorchShape[axis]).ToArray(), TensorDType.F32, Bytes(TfliteWriter.Permute(pytorch, pytorchShape, axes)));
        int[] activation = Enumerable.Repeat(8, pytorchShape.Length).ToArray();
        int input = writer.Activation("x", activation);
        int[] inputs = transposed ? [writer.Tensor("output_shape", [pytorchShape.Length], TensorDType.I32, new byte[4 * pytorchShape.Length]), filter, input] : [input, filter];
        string path = writer.Operator(code, inputs, [writer.Activation("y", activation)]).Write(scratch.Path);

        using LoadedModel model = ModelLoader.Open(path);

        TensorEntry tensor = model.Tensors.Single(t => t.Name == "deconv.weight");
        Assert.Equal((operatorName, "[" + string.Join(", ", pytorchShape) + "]"), (operatorName, tensor.ShapeText));
        Assert.Equal(pytorch, GgufFileTests.ReadAll(model, tensor));
        Assert.Equal(pytorch, Enumerable.Range(0, (pytorch.Length + 6) / 7).SelectMany(piece =>
        {
            var values = new float[Math.Min(7, pytorch.Length - (piece * 7))];
            model.ReadFloat32(tensor, piece * 7, values);
            return values;
        }));
    }

    [Fact]
    public void Open_Int8Conv3DTransposeFilterQuantizedPerOutputChannel_IsDequantizedThenPermuted()
    {
        using var scratch = new TestDirectory();
        int[] stored = [2, 2, 3, 4, 5];
        sbyte[] codes = Enumerable.Range(0, 240).Select(i => (sbyte)((i * 37 % 255) - 127)).ToArray();
        float[] scales = [0.5f, 0.25f, 2f, 4f];
        var writer = new TfliteWriter();
        int filter = writer.Tensor("deconv.weight", stored, TensorDType.I8, codes.Select(c => unchecked((byte)c)).ToArray(), scales: scales, dimension: 3);
        string path = writer.Operator(TfliteWriter.Conv3DTranspose, [writer.Tensor("output_shape", [5], TensorDType.I32, new byte[20]), filter, writer.Activation("x", [1, 4, 4, 4, 5])], [writer.Activation("y", [1, 8, 8, 8, 4])]).Write(scratch.Path);

        using LoadedModel model = ModelLoader.Open(path);

        TensorEntry tensor = model.Tensors.Single(t => t.Name == "deconv.weight");
        float[] dequantized = codes.Select((c, i) => c * scales[i / 5 % 4]).ToArray();
        Assert.Equal("[5, 4, 2, 2, 3]", tensor.ShapeText);
        Assert.Equal(TfliteWriter.Permute(dequantized, stored, [4, 3, 0, 1, 2]), GgufFileTests.ReadAll(model, tensor));
    }

    [Theory]
    [InlineData(TfliteWriter.TransposeConv, new[] { 4, 2, 5 })]
    [InlineData(TfliteWriter.Conv3D, new[] { 4, 2, 5, 6 })]
    [InlineData(TfliteWriter.DepthwiseConv2D, new[] { 2, 3, 3, 6 })]
    public void Open_FilterOfAnotherShapeThanItsOperatorReads_IsReadAsStored(int code, int[] shape)
    {
        using var scratch = new TestDirectory();
        float[] values = Enumerable.Range(0, shape.Aggregate(1, (product, side) => product * side)).Select(i => (float)i).ToArray();
        var writer = new TfliteWriter();
        int filter = writer.Tensor("w", shape, TensorDType.F32, Bytes(values));
        string path = writer.Operator(code, [writer.Activation("x", [1]), filter, writer.Activation("z", [1])], [writer.Activation("y", [1])]).Write(scratch.Path);

        using LoadedModel model = ModelLoader.Open(path);

        TensorEntry tensor = Assert.Single(model.Tensors);
        Assert.Equal(shape.Select(side => (long)side), tensor.Shape);
        Assert.Equal(values, GgufFileTests.ReadAll(model, tensor));
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

    /// <summary>INT4 codes two to a byte, the even element in the low nibble, signed; an odd count leaves the last high nibble unused.</summary>
    [Fact]
    public void Open_Int4CodesPerChannelBehindDequantize_AreUnpackedAndDequantized()
    {
        using var scratch = new TestDirectory();
        int[] codes = [-8, 7, -1, 0, 1, 3, -3, 5, -5, 2, 6, -7, 4, -4, -2];
        byte[] packed = new byte[8];
        for (int i = 0; i < codes.Length; i++)
        {
            packed[i / 2] |= (byte)((codes[i] & 0xF) << (i % 2 == 0 ? 0 : 4));
        }

        packed[7] |= 0xF0;
        float[] scales = [0.5f, 0.25f, 2f], zeroPoints = [0, 1, -2];
        var writer = new TfliteWriter();
        int weight = writer.Tensor("fc.weight", [3, 5], TensorDType.I4, packed, scales: scales, zeroPoints: [0, 1, -2], dimension: 0);
        int dequantized = writer.Activation("fc.weight/dequantized", [3, 5]);
        string path = writer.Operator(TfliteWriter.Dequantize, [weight], [dequantized]).Write(scratch.Path);

        using LoadedModel model = ModelLoader.Open(path);

        TensorEntry tensor = Assert.Single(model.Tensors);
        Assert.Equal(("fc.weight", TensorDType.F32, "[3, 5]"), (tensor.Name, tensor.DType, tensor.ShapeText));
        Assert.Equal(codes.Select((c, i) => (c - zeroPoints[i / 5]) * scales[i / 5]), GgufFileTests.ReadAll(model, tensor));
    }

    [Fact]
    public void Open_Int4BufferOfTheWrongSize_IsACorruptModel()
    {
        using var scratch = new TestDirectory();
        var writer = new TfliteWriter();
        writer.Tensor("fc.weight", [3, 5], TensorDType.I4, new byte[15], scales: [1f]);
        string path = writer.Write(scratch.Path);

        var error = Assert.Throws<ModelFormatException>(() => ModelLoader.Open(path).Dispose());

        Assert.Contains("of shape [3, 5] needs 8 bytes of I4 but its buffer holds 15", error.Message);
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

    /// <summary>A model and how its convolutions are written: image kernels as CONV_2D or, transposed, TRANSPOSE_CONV; volume kernels as CONV_3D or CONV_3D_TRANSPOSE.</summary>
    public enum Network
    {
        ConvNet,
        ConvNetTransposed,
        ConvNet3D,
        ConvNet3DTransposed,
        MlpHead,
    }

    public static TheoryData<Network, TfliteWriter.Storage> Pairs()
    {
        var pairs = new TheoryData<Network, TfliteWriter.Storage>();
        foreach (Network network in Enum.GetValues<Network>())
        {
            foreach (TfliteWriter.Storage form in Enum.GetValues<TfliteWriter.Storage>())
            {
                pairs.Add(network, form);
            }
        }

        return pairs;
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Compare_TfliteOfThePyTorchModel_IsDerived(Network network, TfliteWriter.Storage form)
    {
        using var scratch = new TestDirectory();
        TestModel model = Create(network, seed: 1);
        string path = Save(network, model, scratch.Path, form);

        using LoadedModel converted = ModelLoader.Open(path);

        Assert.Equal(
            model.Weights.Select(t => (t.Name, "[" + string.Join(", ", t.Shape) + "]")).Order(),
            converted.Tensors.Where(t => t.DType.IsFloatingPoint()).Select(t => (t.Name, t.ShapeText)).Order());
        Assert.Equal(LineageVerdict.Derived, LineageComparer.Compare(LineageSketcher.Sketch(model), converted).Verdict);
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Compare_TfliteOfAnUnrelatedModel_IsNotDerived(Network network, TfliteWriter.Storage form)
    {
        using var scratch = new TestDirectory();
        TestModel model = Create(network, seed: 1);
        string path = Save(network, model.Reinitialize(seed: 2), scratch.Path, form);

        using LoadedModel converted = ModelLoader.Open(path);

        Assert.Equal(LineageVerdict.NotDerived, LineageComparer.Compare(LineageSketcher.Sketch(model), converted).Verdict);
    }

    /// <summary>
    /// The same float32 weights as a PyTorch checkpoint, as ONNX initializers and as TFLite filters: every fingerprint
    /// method gives the same document. Only <c>total_params</c> may differ, as it counts every tensor of the file read, and
    /// a TFLite transposed convolution also holds its int32 <c>output_shape</c>.
    /// </summary>
    [Theory]
    [InlineData(Network.ConvNet)]
    [InlineData(Network.ConvNetTransposed)]
    [InlineData(Network.ConvNet3D)]
    [InlineData(Network.ConvNet3DTransposed)]
    public void Fingerprint_SameWeightsAsPyTorchOnnxAndTflite_AreIdentical(Network network)
    {
        using var scratch = new TestDirectory();
        TestModel model = Create(network, seed: 3);
        Directory.CreateDirectory(scratch.File("tflite"));
        string tflite = Save(network, model, scratch.File("tflite"), TfliteWriter.Storage.Float32);
        string pytorch = scratch.Write("pytorch_model.bin", TorchCheckpointWriter.Zip(model.Weights.Select(t => new TorchCheckpointWriter.Tensor(t.Name, [.. t.Shape.Select(side => (long)side)], TensorDType.F32, t.ToArray())).ToArray()));
        var onnx = new OnnxWriter();
        foreach (TestTensor tensor in model.Weights)
        {
            onnx.Initializer(tensor.Name, [.. tensor.Shape.Select(side => (long)side)], TensorDType.F32, tensor.ToArray());
        }

        Directory.CreateDirectory(scratch.File("onnx"));
        (string Json, double TotalParams)[] documents = new[] { pytorch, onnx.Write(scratch.File("onnx")), tflite }.Select(Methods).ToArray();

        Assert.Equal(documents[0].Json, documents[1].Json);
        Assert.Equal(documents[0].Json, documents[2].Json);
        Assert.Contains("\"trivial\": false", documents[0].Json, StringComparison.Ordinal);
        int outputShapes = network is Network.ConvNetTransposed or Network.ConvNet3DTransposed ? model.Weights.Sum(t => t.Shape.Count is 4 or 5 ? t.Shape.Count : 0) : 0;
        Assert.Equal([model.ParameterCount, model.ParameterCount, model.ParameterCount + outputShapes], documents.Select(d => d.TotalParams));
    }

    // The fingerprint methods' sections, without total_params (returned apart); the source files differ by construction.
    private static (string Json, double TotalParams) Methods(string path)
    {
        using LoadedModel model = ModelLoader.Open(path);
        FingerprintDocument document = ModelFingerprinter.Fingerprint(model, "model", new FingerprintRun(Methods: FingerprintMethods.Base));
        string json = FingerprintWriter.ToJson(document with { Files = [], ParameterCount = 0 });
        return (Regex.Replace(json, "\"total_params\": [0-9]+", string.Empty), document.Gradient!.Features[GradientFeatures.TotalParams]!.Value);
    }

    private static TestModel Create(Network network, long seed) => network switch
    {
        Network.MlpHead => TestModels.Create(ModelFamily.MlpHead, seed),
        Network.ConvNet3D or Network.ConvNet3DTransposed => TestModels.Create(ModelFactory.Architecture.Default(ModelFamily.ConvNet) with { ConvolutionDimensions = 3 }, seed),
        _ => TestModels.Create(ModelFamily.ConvNet, seed),
    };

    private static string Save(Network network, TestModel model, string directory, TfliteWriter.Storage form) =>
        TfliteWriter.Save(model, directory, form, transposed: network is Network.ConvNetTransposed or Network.ConvNet3DTransposed);

    private static byte[] Bytes(float[] values) => TfliteWriter.Float32(values);
}
