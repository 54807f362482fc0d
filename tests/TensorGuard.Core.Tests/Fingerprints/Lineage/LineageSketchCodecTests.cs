using TensorGuard.Core.Fingerprints.Lineage;

namespace TensorGuard.Core.Tests.Fingerprints.Lineage;

public sealed class LineageSketchCodecTests
{
    private static readonly LineageSketch Sample = new(
        HiddenSize: 8,
        WindowOffset: 2,
        WindowSize: 4,
        Views:
        [
            new SketchedView("model.layers.0.mlp.up_proj.weight", 16, 8, false, 0.01f, new sbyte[] { 1, -2, 3, -4, 5, 127 }),
            new SketchedView("onnx::MatMul_788", 8, 16, true, 0.02f, new sbyte[] { -127, 0, 0, 9, 8, 7 }),
        ],
        Anchors: [new TokenAnchor("embed [32, 8]", [0, 3, 7], 0.5f, new sbyte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 })]);

    [Fact]
    public void Decode_OfEncode_GivesTheSameBytesAgain()
    {
        byte[] bytes = LineageSketchCodec.Encode(Sample);
        LineageSketch decoded = LineageSketchCodec.Decode(bytes);

        Assert.Equal(bytes, LineageSketchCodec.Encode(decoded));
        Assert.Equal(Sample.HiddenSize, decoded.HiddenSize);
        Assert.Equal("onnx::MatMul_788", decoded.Views[1].TensorName);
        Assert.True(decoded.Views[1].FeaturesAlongRows);
        Assert.Equal(new sbyte[] { -127, 0, 0, 9, 8, 7 }, decoded.Views[1].Correlations.ToArray());
        Assert.Equal(new[] { 0, 3, 7 }, decoded.Anchors[0].Tokens);
    }

    [Fact]
    public void Decode_EveryTruncation_IsRejectedWithOneMessage()
    {
        byte[] bytes = LineageSketchCodec.Encode(Sample);
        for (int length = 0; length < bytes.Length; length++)
        {
            InvalidInputException error = Assert.Throws<InvalidInputException>(() => LineageSketchCodec.Decode(bytes.AsSpan(0, length)));
            Assert.StartsWith("invalid lineage sketch at byte ", error.Message);
        }
    }

    [Theory]
    [InlineData(0, (byte)'X', "TGLS signature")]
    [InlineData(4, (byte)9, "version 9 is not supported")]
    [InlineData(21, (byte)0x7F, "announces")]
    public void Decode_CorruptedField_NamesTheProblem(int position, byte value, string expected)
    {
        byte[] bytes = LineageSketchCodec.Encode(Sample);
        bytes[position] = value;

        InvalidInputException error = Assert.Throws<InvalidInputException>(() => LineageSketchCodec.Decode(bytes));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Decode_TrailingBytes_AreRejected()
    {
        byte[] bytes = [.. LineageSketchCodec.Encode(Sample), 0];

        InvalidInputException error = Assert.Throws<InvalidInputException>(() => LineageSketchCodec.Decode(bytes));

        Assert.Contains("bytes after its last anchor", error.Message);
    }

    [Fact]
    public void Decode_WindowOutsideTheHiddenSize_IsRejected()
    {
        byte[] bytes = LineageSketchCodec.Encode(Sample with { WindowOffset = 6, Views = [], Anchors = [] });

        InvalidInputException error = Assert.Throws<InvalidInputException>(() => LineageSketchCodec.Decode(bytes));

        Assert.Contains("does not fit hidden size 8", error.Message);
    }
}
