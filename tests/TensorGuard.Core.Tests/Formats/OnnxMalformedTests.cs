using TensorGuard.Tests.Corpus;
using TensorGuard.Core.Formats;
using TensorGuard.ModelFactory.Formats;
using Proto = TensorGuard.ModelFactory.Formats.OnnxWriter.Proto;

namespace TensorGuard.Core.Tests.Formats;

public class OnnxMalformedTests
{
    private static readonly Dictionary<string, (byte[] Bytes, string Expected)> Corpus = Build();

    public static TheoryData<string> Cases => new(Corpus.Keys);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Open_MalformedModel_IsRejectedWithOneClearMessage(string name)
    {
        using var scratch = new TestDirectory();
        (byte[] bytes, string expected) = Corpus[name];

        ModelFormatException error = Rejection.AssertRejected(scratch.Write(name + ".onnx", bytes));

        Assert.Contains(expected, error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Corpus_HasAtLeastTwentyFiles() => Assert.True(Corpus.Count >= 20);

    [Fact]
    public void Open_RandomMutations_AreReadOrRejectedCleanly() => Rejection.AssertMutationsRejectedCleanly(
        new OnnxWriter().Initializer("a", [2, 3], TensorDType.F32, [1, 2, 3, 4, 5, 6])
            .Initializer("b", [3], TensorDType.F16, [1, 2, 3], OnnxWriter.Storage.Typed)
            .Initializer("c", [2], TensorDType.I64, [7, 8], OnnxWriter.Storage.TypedUnpacked).ToArray(),
        "mutated.onnx");

    private static byte[] Model(Proto tensor) => new OnnxWriter().RawInitializer(tensor.ToArray()).ToArray();

    private static Proto Tensor(long[] dims, ulong type, string name = "w")
    {
        var tensor = new Proto();
        foreach (long dim in dims)
        {
            tensor.Varint(1, (ulong)dim);
        }

        return tensor.Varint(2, type).String(8, name);
    }

    private static Dictionary<string, (byte[], string)> Build()
    {
        byte[] valid = new OnnxWriter().Initializer("w", [4], TensorDType.F32, [1, 2, 3, 4]).ToArray();
        return new()
        {
            ["empty"] = ([], "too short"),
            ["no-graph"] = (new Proto().Varint(1, 8).String(2, "x").ToArray(), "has no graph"),
            ["bad-tag"] = ([0x00, 0x00, 0x00], "invalid field tag"),
            ["group-wire-type"] = ([0x0B, 0x0C], "invalid field tag"),
            ["endless-varint"] = ([0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], "longer than 10 bytes"),
            ["varint-cut"] = ([0x08, 0xFF], "ends inside a varint"),
            ["graph-length-past-end"] = ([0x3A, 0xFF, 0x01, 0x00], "longer than the"),
            ["truncated"] = (valid[..^3], "longer than the"),
            ["raw-size-mismatch"] = (Model(Tensor([4], 1).Bytes(9, new byte[15])), "needs 16 bytes of raw_data but has 15"),
            ["typed-count-mismatch"] = (Model(Tensor([4], 1).Bytes(4, new byte[12])), "needs 4 values but stores 3"),
            ["typed-packed-not-whole"] = (Model(Tensor([4], 1).Bytes(4, new byte[14])), "not a multiple of 4"),
            ["typed-wrong-field"] = (Model(Tensor([2], 1).Varint(7, 1).Varint(7, 2)), "does not hold that type"),
            ["typed-varint-cut"] = (Model(Tensor([1], 7).Bytes(7, [0x80])), "end mid-value"),
            ["unsupported-type"] = (Model(Tensor([2], 23)), "unsupported data type FLOAT4E2M1"),
            ["unknown-type"] = (Model(Tensor([2], 99)), "unsupported data type #99"),
            ["negative-dim"] = (Model(Tensor([-3], 1)), "invalid dimensions"),
            ["dims-overflow"] = (Model(Tensor([1L << 40, 1L << 40], 1)), "overflows"),
            ["too-many-dims"] = (Model(Tensor(Enumerable.Repeat(1L, 70).ToArray(), 1)), "invalid dimensions"),
            ["segmented"] = (Model(Tensor([1], 1).Bytes(3, [0x08, 0x00])), "segmented"),
            ["data-type-wrong-wire"] = (Model(new Proto().Bytes(2, [1])), "wire type"),
            ["duplicate-name"] = (new OnnxWriter().Initializer("w", [1], TensorDType.F32, [1]).Initializer("w", [1], TensorDType.F32, [2]).ToArray(), "defined twice"),
            ["external-no-location"] = (Model(Tensor([1], 1).Varint(14, 1)), "without a location"),
            ["external-missing-file"] = (Model(Tensor([1], 1).Message(13, new Proto().String(1, "location").String(2, "absent.bin")).Varint(14, 1)), "does not exist"),
            ["external-bad-offset"] = (Model(Tensor([1], 1).Message(13, new Proto().String(1, "location").String(2, "external-bad-offset.onnx")).Message(13, new Proto().String(1, "offset").String(2, "-5")).Varint(14, 1)), "not a non-negative integer"),
            ["unknown-location"] = (Model(Tensor([1], 1).Varint(14, 7)), "unknown data_location 7"),
            ["name-not-utf8"] = (Model(new Proto().Varint(2, 1).Bytes(8, [0xC3, 0x28])), "not valid UTF-8"),
        };
    }
}
