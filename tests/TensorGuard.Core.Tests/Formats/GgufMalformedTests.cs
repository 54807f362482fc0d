using TensorGuard.Tests.Corpus;
using TensorGuard.Core.Formats;
using TensorGuard.ModelFactory.Formats;

namespace TensorGuard.Core.Tests.Formats;

public class GgufMalformedTests
{
    private const uint StringType = 8, ArrayType = 9;

    public static TheoryData<string> Cases => new(Corpus.Keys);

    private static readonly Dictionary<string, (byte[] Bytes, string Expected)> Corpus = Build();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Open_MalformedFile_IsRejectedWithOneClearMessage(string name)
    {
        using var scratch = new TestDirectory();
        (byte[] bytes, string expected) = Corpus[name];

        ModelFormatException error = Rejection.AssertRejected(scratch.Write(name + ".gguf", bytes));

        Assert.Contains(expected, error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Corpus_HasAtLeastTwentyFiles() => Assert.True(Corpus.Count >= 20);

    [Fact]
    public void Open_RandomMutations_AreReadOrRejectedCleanly() =>
        Rejection.AssertMutationsRejectedCleanly(Valid().ToArray(), "mutated.gguf");

    private static GgufWriter Valid() => new GgufWriter()
        .String("general.architecture", "llama")
        .UInt32("llama.attention.head_count", 2)
        .Strings("general.tags", ["x", "y"])
        .Tensor("blk.0.attn_q.weight", [4, 256], TensorDType.Q4K, GgufDequantizerTests.Gaussian(1024, 1))
        .Tensor("output_norm.weight", [32], TensorDType.Q80, GgufDequantizerTests.Gaussian(32, 2));

    private static GgufBytes Header(uint version = 3, ulong tensors = 0, ulong values = 1) =>
        new GgufBytes().UInt32(0x46554747).UInt32(version).UInt64(tensors).UInt64(values);

    private static byte[] Tensor(Action<GgufBytes> info, int dataBytes = 64) =>
        Header(tensors: 1, values: 0).Also(info).Pad(32).Bytes(new byte[dataBytes]).ToArray();

    private static Dictionary<string, (byte[], string)> Build()
    {
        byte[] valid = Valid().ToArray();
        return new()
        {
            ["empty"] = ([], "too short"),
            ["magic-only"] = ("GGUF"u8.ToArray(), "too short"),
            ["bad-magic"] = (new GgufBytes().Bytes("GGUX"u8).UInt32(3).UInt64(0).UInt64(0).ToArray(), "not GGUF"),
            ["version-1"] = (Header(version: 1, values: 0).ToArray(), "GGUF v1 is obsolete"),
            ["version-4"] = (Header(version: 4, values: 0).ToArray(), "unsupported GGUF version 4"),
            ["big-endian"] = (Header(version: 0x03000000, values: 0).ToArray(), "big-endian"),
            ["huge-tensor-count"] = (Header(tensors: ulong.MaxValue, values: 0).ToArray(), "tensor infos"),
            ["huge-value-count"] = (Header(values: 1UL << 60).ToArray(), "metadata key-values"),
            ["huge-key"] = (Header().UInt64(1UL << 40).Bytes(new byte[16]).ToArray(), "1099511627776 bytes long"),
            ["key-not-utf8"] = (Header().UInt64(2).Byte(0xC3).Byte(0x28).UInt32(4).UInt32(1).ToArray(), "not valid UTF-8"),
            ["unknown-value-type"] = (Header().String("k").UInt32(99).UInt32(0).ToArray(), "unknown type 99"),
            ["string-past-end"] = (Header().String("k").UInt32(StringType).UInt64(1000).Bytes("abc"u8).ToArray(), "1000 bytes long"),
            ["huge-array"] = (Header().String("k").UInt32(ArrayType).UInt32(4).UInt64(1UL << 50).ToArray(), "elements in array"),
            ["array-unknown-type"] = (Header().String("k").UInt32(ArrayType).UInt32(77).UInt64(1).ToArray(), "unknown element type 77"),
            ["array-too-deep"] = (Header().String("k").UInt32(ArrayType).Also(b => { for (int i = 0; i < 6; i++) { b.UInt32(ArrayType).UInt64(1); } }).UInt32(4).UInt64(1).UInt32(0).ToArray(), "nests arrays"),
            ["bool-out-of-range"] = (Header().String("k").UInt32(7).Byte(2).ToArray(), "expected 0 or 1"),
            ["duplicate-key"] = (Header(values: 2).String("k").UInt32(4).UInt32(1).String("k").UInt32(4).UInt32(2).ToArray(), "appears twice"),
            ["alignment-not-power-of-two"] = (new GgufWriter { Alignment = 48 }.ToArray(), "power of two"),
            ["alignment-zero"] = (Header().String("general.alignment").UInt32(4).UInt32(0).ToArray(), "power of two"),
            ["alignment-wrong-type"] = (Header().String("general.alignment").UInt32(StringType).String("32").ToArray(), "power of two"),
            ["rank-zero"] = (Tensor(b => b.String("t").UInt32(0).UInt32(0).UInt64(0)), "has 0 dimensions"),
            ["rank-five"] = (Tensor(b => b.String("t").UInt32(5).Also(x => { for (int i = 0; i < 5; i++) { x.UInt64(1); } }).UInt32(0).UInt64(0)), "has 5 dimensions"),
            ["dims-overflow"] = (Tensor(b => b.String("t").UInt32(2).UInt64(1UL << 40).UInt64(1UL << 40).UInt32(0).UInt64(0)), "overflows"),
            ["unknown-type"] = (Tensor(b => b.String("t").UInt32(1).UInt64(32).UInt32(99).UInt64(0)), "unknown tensor type 99"),
            ["unsupported-type"] = (Tensor(b => b.String("blk.0.attn_q.weight").UInt32(1).UInt64(256).UInt32(16).UInt64(0)), "unsupported tensor type IQ2_XXS in tensor \"blk.0.attn_q.weight\""),
            ["row-not-whole-blocks"] = (Tensor(b => b.String("t").UInt32(1).UInt64(100).UInt32(12).UInt64(0)), "not a multiple of the Q4_K block size 256"),
            ["offset-misaligned"] = (Tensor(b => b.String("t").UInt32(1).UInt64(4).UInt32(0).UInt64(3)), "not a multiple of the alignment"),
            ["data-past-end"] = (Tensor(b => b.String("t").UInt32(1).UInt64(1024).UInt32(0).UInt64(0)), "past the end"),
            ["truncated-data"] = (valid[..^40], "past the end"),
            ["truncated-header"] = (valid[..60], "truncated"),
            ["overlap"] = (Header(tensors: 2, values: 0).String("a").UInt32(1).UInt64(16).UInt32(0).UInt64(0).String("b").UInt32(1).UInt64(16).UInt32(0).UInt64(32).Pad(32).Bytes(new byte[128]).ToArray(), "overlap"),
            ["duplicate-tensor"] = (Header(tensors: 2, values: 0).String("a").UInt32(1).UInt64(8).UInt32(0).UInt64(0).String("a").UInt32(1).UInt64(8).UInt32(0).UInt64(32).Pad(32).Bytes(new byte[128]).ToArray(), "declared twice"),
            ["same-meaning"] = (new GgufWriter().Tensor("token_embd.weight", [32], TensorDType.F32, new float[32]).Tensor("model.embed_tokens.weight", [32], TensorDType.F32, new float[32]).ToArray(), "both stand for"),
        };
    }
}

internal static class GgufBytesExtensions
{
    public static GgufBytes Also(this GgufBytes bytes, Action<GgufBytes> write)
    {
        write(bytes);
        return bytes;
    }
}
