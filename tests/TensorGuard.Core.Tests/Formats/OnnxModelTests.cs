using TensorGuard.Tests.Corpus;
using TensorGuard.Core.Formats;
using TensorGuard.ModelFactory.Formats;
using Storage = TensorGuard.ModelFactory.Formats.OnnxWriter.Storage;

namespace TensorGuard.Core.Tests.Formats;

public class OnnxModelTests
{
    private static readonly float[] Values = [1f, -2f, 3f, 4f, -5f, 8f];

    public static TheoryData<TensorDType, Storage> Encodings()
    {
        var data = new TheoryData<TensorDType, Storage>();
        foreach (TensorDType dtype in new[] { TensorDType.F32, TensorDType.F16, TensorDType.BF16, TensorDType.F64, TensorDType.I64, TensorDType.I32 })
        {
            foreach (Storage storage in Enum.GetValues<Storage>())
            {
                data.Add(dtype, storage);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Open_Initializer_ReadsValuesWhateverTheEncoding(TensorDType dtype, Storage storage)
    {
        using var scratch = new TestDirectory();
        string path = new OnnxWriter().Initializer("onnx::MatMul_788", [3, 2], dtype, Values, storage).Write(scratch.Path);

        using LoadedModel model = ModelLoader.Open(path);

        TensorEntry tensor = Assert.Single(model.Tensors);
        Assert.Equal("onnx", model.Format);
        Assert.Equal("onnx::MatMul_788", tensor.Name);
        Assert.Equal(dtype, tensor.DType);
        Assert.Equal([3L, 2L], tensor.Shape);
        Assert.Equal(Values, GgufFileTests.ReadAll(model, tensor));
        var tail = new float[3];
        model.ReadFloat32(tensor, 3, tail);
        Assert.Equal(Values[3..], tail);
    }

    [Fact]
    public void Open_ExternalData_ListsDataFilesAndMetadata()
    {
        using var scratch = new TestDirectory();
        string path = new OnnxWriter()
            .Metadata("license", "apache-2.0")
            .Initializer("a", [2, 3], TensorDType.F32, Values, Storage.External)
            .Initializer("b", [6], TensorDType.F16, Values, Storage.External)
            .Write(scratch.Path);

        using LoadedModel model = ModelLoader.Open(scratch.Path);

        Assert.Equal(path, model.Files[0].Path);
        Assert.EndsWith("model.onnx_data", model.Files[1].Path, StringComparison.Ordinal);
        Assert.Equal("apache-2.0", model.Metadata["license"]);
        Assert.Equal("pytorch", model.Metadata["onnx.producer_name"]);
        Assert.Equal(Values, GgufFileTests.ReadAll(model, model.Tensors.Single(t => t.Name == "b")));
    }

    [Theory]
    [InlineData("../outside.bin")]
    [InlineData("/etc/passwd")]
    [InlineData("sub/../../outside.bin")]
    public void Open_ExternalDataOutsideFolder_IsRefused(string location)
    {
        using var scratch = new TestDirectory();
        Directory.CreateDirectory(scratch.File("model"));
        scratch.Write("outside.bin", new byte[24]);
        var tensor = new OnnxWriter.Proto().Varint(1, 6).Varint(2, 1).String(8, "w")
            .Message(13, new OnnxWriter.Proto().String(1, "location").String(2, location)).Varint(14, 1);
        string path = new OnnxWriter().RawInitializer(tensor.ToArray()).Write(scratch.File("model"));

        ModelFormatException error = Rejection.AssertRejected(path);

        Assert.Contains("refusing to read it", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_ExternalDataThroughLinkOutsideFolder_IsRefused()
    {
        using var scratch = new TestDirectory();
        Directory.CreateDirectory(scratch.File("model"));
        scratch.Write("secret.bin", new byte[24]);
        File.CreateSymbolicLink(scratch.File("model/weights.bin"), scratch.File("secret.bin"));
        var tensor = new OnnxWriter.Proto().Varint(1, 6).Varint(2, 1).String(8, "w")
            .Message(13, new OnnxWriter.Proto().String(1, "location").String(2, "weights.bin")).Varint(14, 1);
        string path = new OnnxWriter().RawInitializer(tensor.ToArray()).Write(scratch.File("model"));

        ModelFormatException error = Rejection.AssertRejected(path);

        Assert.Contains("a link that leads outside", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_StringInitializers_AreSkipped()
    {
        using var scratch = new TestDirectory();
        var strings = new OnnxWriter.Proto().Varint(1, 1).Varint(2, 8).String(8, "vocab").String(6, "hello");
        string path = new OnnxWriter().RawInitializer(strings.ToArray()).Initializer("w", [6], TensorDType.F32, Values).Write(scratch.Path);

        using LoadedModel model = ModelLoader.Open(path);

        Assert.Equal("w", Assert.Single(model.Tensors).Name);
    }
}
