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
        int filter = writer.Tensor("conv.weight", [4, 2, 2, 3], TensorDType.F32, Bytes(ChannelsLast(pytorch, 4, 3, 4)));
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
        int filter = writer.Tensor("dw.weight", [1, 3, 3, 6], TensorDType.F32, Bytes(ChannelsLast(pytorch, 1, 6, 9)));
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

    /// <summary>How a converter stores the weights.</summary>
    public enum Form
    {
        Float32,
        Float16,
        Int8PerChannel,
    }

    public static TheoryData<ModelFamily, Form> Pairs()
    {
        var pairs = new TheoryData<ModelFamily, Form>();
        foreach (ModelFamily family in new[] { ModelFamily.ConvNet, ModelFamily.MlpHead })
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
    public void Compare_TfliteOfThePyTorchModel_IsDerived(ModelFamily family, Form form)
    {
        using var scratch = new TestDirectory();
        TestModel model = TestModels.Create(family, seed: 1);
        string path = WriteTflite(model, scratch.Path, form);

        using LoadedModel converted = ModelLoader.Open(path);

        Assert.Equal(
            model.Weights.Select(t => (t.Name, "[" + string.Join(", ", t.Shape) + "]")).Order(),
            converted.Tensors.Select(t => (t.Name, t.ShapeText)).Order());
        Assert.Equal(LineageVerdict.Derived, LineageComparer.Compare(LineageSketcher.Sketch(model), converted).Verdict);
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Compare_TfliteOfAnUnrelatedModel_IsNotDerived(ModelFamily family, Form form)
    {
        using var scratch = new TestDirectory();
        TestModel model = TestModels.Create(family, seed: 1);
        string path = WriteTflite(model.Reinitialize(seed: 2), scratch.Path, form);

        using LoadedModel converted = ModelLoader.Open(path);

        Assert.Equal(LineageVerdict.NotDerived, LineageComparer.Compare(LineageSketcher.Sketch(model), converted).Verdict);
    }

    // As a PyTorch-to-TFLite converter leaves a model: kernels [out, in, kh, kw] stored [out, kh, kw, in] and read by
    // CONV_2D (float16 ones through DEQUANTIZE), matrices read by FULLY_CONNECTED, int8 codes per output channel.
    private static string WriteTflite(TestModel model, string directory, Form form)
    {
        var writer = new TfliteWriter();
        foreach (TestTensor tensor in model.Weights)
        {
            float[] values = tensor.Values.ToArray();
            int[] shape = [.. tensor.Shape];
            bool kernel = shape.Length == 4;
            if (kernel)
            {
                values = ChannelsLast(values, shape[0], shape[1], shape[2] * shape[3]);
                shape = [shape[0], shape[2], shape[3], shape[1]];
            }

            int stored = (form, shape.Length) switch
            {
                (_, < 2) or (Form.Float32, _) => writer.Tensor(tensor.Name, shape, TensorDType.F32, Bytes(values)),
                (Form.Float16, _) => writer.Tensor(tensor.Name, shape, TensorDType.F16, values.SelectMany(v => BitConverter.GetBytes((Half)v)).ToArray()),
                _ => Int8(writer, tensor.Name, shape, values),
            };
            if (shape.Length < 2)
            {
                continue;
            }

            int weight = stored;
            if (form == Form.Float16)
            {
                weight = writer.Activation(tensor.Name + "/dequantized", shape);
                writer.Operator(TfliteWriter.Dequantize, [stored], [weight]);
            }

            writer.Operator(kernel ? TfliteWriter.Conv2D : TfliteWriter.FullyConnected, [writer.Activation(tensor.Name + "/input", [1]), weight], [writer.Activation(tensor.Name + "/output", [1])]);
        }

        return writer.Write(directory);
    }

    private static int Int8(TfliteWriter writer, string name, int[] shape, float[] values)
    {
        int rows = shape[0], columns = values.Length / rows;
        float[] scales = Enumerable.Range(0, rows).Select(r => Math.Max(values.AsSpan(r * columns, columns).ToArray().Max(Math.Abs), 1e-8f) / 127).ToArray();
        byte[] codes = values.Select((v, i) => unchecked((byte)(sbyte)Math.Clamp(MathF.Round(v / scales[i / columns]), -127, 127))).ToArray();
        return writer.Tensor(name, shape, TensorDType.I8, codes, scales, dimension: 0);
    }

    /// <summary>PyTorch's [out, in, k] order rewritten as TFLite's [out, k, in].</summary>
    private static float[] ChannelsLast(float[] values, int outputs, int inputs, int kernel)
    {
        var stored = new float[values.Length];
        for (int o = 0; o < outputs; o++)
        {
            for (int i = 0; i < inputs; i++)
            {
                for (int k = 0; k < kernel; k++)
                {
                    stored[(((o * kernel) + k) * inputs) + i] = values[(((o * inputs) + i) * kernel) + k];
                }
            }
        }

        return stored;
    }

    private static byte[] Bytes(float[] values) => values.SelectMany(BitConverter.GetBytes).ToArray();
}
