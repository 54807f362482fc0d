using System.Buffers.Binary;
using TensorGuard.Core.Formats;
using TensorGuard.Core.Formats.Safetensors;
using TensorGuard.Tests.Corpus;

namespace TensorGuard.Core.Tests.Formats;

public sealed class SafetensorsReadTests
{
    public static TheoryData<TensorDType, byte[], float[]> Conversions => new()
    {
        { TensorDType.F32, RawSafetensors.F32(1.5f, -0f, float.NegativeInfinity), [1.5f, -0f, float.NegativeInfinity] },
        { TensorDType.F64, Le(8, BitConverter.DoubleToInt64Bits(-2.25), BitConverter.DoubleToInt64Bits(1e300)), [-2.25f, float.PositiveInfinity] },
        { TensorDType.BF16, [0x80, 0x3F, 0xC0, 0xC0, 0x80, 0xFF], [1f, -6f, float.NegativeInfinity] },
        { TensorDType.F16, [0x00, 0x3C, 0x00, 0xC4, 0x00, 0x7C, 0x01, 0x00], [1f, -4f, float.PositiveInfinity, 5.9604645e-8f] },
        { TensorDType.F8E4M3, [0x38, 0xB8, 0x7E, 0x01], [1f, -1f, 448f, 0.001953125f] },
        { TensorDType.F8E5M2, [0x3C, 0xBC, 0x7C, 0x7B], [1f, -1f, float.PositiveInfinity, 57344f] },
        { TensorDType.F8E4M3Fnuz, [0x40, 0xC0, 0x7F, 0x01], [1f, -1f, 240f, 0.0009765625f] },
        { TensorDType.F8E5M2Fnuz, [0x40, 0xFC, 0x7F, 0x01], [1f, -32768f, 57344f, 7.62939453125e-6f] },
        { TensorDType.I8, [0xFF, 0x7F, 0x80], [-1f, 127f, -128f] },
        { TensorDType.U8, [0xFF, 0x00], [255f, 0f] },
        { TensorDType.Bool, [0x01, 0x00], [1f, 0f] },
        { TensorDType.I16, Le(2, -300, 7), [-300f, 7f] },
        { TensorDType.U16, Le(2, 65535), [65535f] },
        { TensorDType.I32, Le(4, -70000, 3), [-70000f, 3f] },
        { TensorDType.U32, Le(4, uint.MaxValue), [4294967295f] },
        { TensorDType.I64, Le(8, long.MinValue, 42), [-9.223372e18f, 42f] },
        { TensorDType.U64, Le(8, 1 << 20), [1048576f] },
    };

    [Theory]
    [MemberData(nameof(Conversions))]
    public void ReadFloat32_EachSupportedDtype_ConvertsLittleEndianValues(TensorDType dtype, byte[] data, float[] expected)
    {
        using var directory = new TestDirectory();
        string path = directory.File("m.safetensors");
        SafetensorsWriter.Write(path, [new("t", dtype, [expected.Length], data)]);
        using LoadedModel model = ModelLoader.Open(path);
        var values = new float[expected.Length];

        model.ReadFloat32(model.Tensors[0], 0, values);

        Assert.Equal(expected, values);
    }

    // Values worked out by hand from the ONNX float8 note: sign, exponent field e, mantissa m; bias 8 (E4M3FNUZ) or
    // 16 (E5M2FNUZ); e = 0 is subnormal, 2^(1-bias)·m/2^bits; 1.0000000 is NaN and no pattern is −0 or ±infinity.
    public static TheoryData<TensorDType, byte, float> Float8FnuzPatterns => new()
    {
        { TensorDType.F8E4M3Fnuz, 0x00, 0f },
        { TensorDType.F8E4M3Fnuz, 0x80, float.NaN },
        { TensorDType.F8E4M3Fnuz, 0x08, 0.0078125f },
        { TensorDType.F8E4M3Fnuz, 0x07, 0.0068359375f },
        { TensorDType.F8E4M3Fnuz, 0x3C, 0.75f },
        { TensorDType.F8E4M3Fnuz, 0x4B, 2.75f },
        { TensorDType.F8E4M3Fnuz, 0xBC, -0.75f },
        { TensorDType.F8E4M3Fnuz, 0xFF, -240f },
        { TensorDType.F8E4M3Fnuz, 0x78, 128f },
        { TensorDType.F8E5M2Fnuz, 0x00, 0f },
        { TensorDType.F8E5M2Fnuz, 0x80, float.NaN },
        { TensorDType.F8E5M2Fnuz, 0x04, 3.0517578125e-5f },
        { TensorDType.F8E5M2Fnuz, 0x03, 2.288818359375e-5f },
        { TensorDType.F8E5M2Fnuz, 0x3E, 0.75f },
        { TensorDType.F8E5M2Fnuz, 0x7C, 32768f },
        { TensorDType.F8E5M2Fnuz, 0xC5, -2.5f },
        { TensorDType.F8E5M2Fnuz, 0xFF, -57344f },
    };

    [Theory]
    [MemberData(nameof(Float8FnuzPatterns))]
    public void Convert_Float8FnuzPattern_IsTheValueTheSpecGives(TensorDType dtype, byte bits, float expected)
    {
        var value = new float[1];

        Float32Converter.Convert(dtype, [bits], value);

        Assert.Equal(BitConverter.SingleToUInt32Bits(expected), BitConverter.SingleToUInt32Bits(value[0]));
    }

    [Theory]
    [InlineData(TensorDType.F8E4M3Fnuz)]
    [InlineData(TensorDType.F8E5M2Fnuz)]
    public void Convert_Float8Fnuz_HasOneNaNAndNoNegativeZeroOrInfinity(TensorDType dtype)
    {
        byte[] patterns = Enumerable.Range(0, 256).Select(b => (byte)b).ToArray();
        var values = new float[256];

        Float32Converter.Convert(dtype, patterns, values);

        Assert.Equal(new[] { 0x80 }, patterns.Where(b => float.IsNaN(values[b])).Select(b => (int)b));
        Assert.DoesNotContain(values, float.IsInfinity);
        Assert.Equal(new[] { 0x00 }, patterns.Where(b => values[b] == 0).Select(b => (int)b));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(1031)]
    public void Convert_Bf16OfAnyLength_WidensEveryBitPatternExactly(int count)
    {
        var source = new byte[2 * count];
        new Random(count).NextBytes(source);
        var values = new float[count];

        Float32Converter.Convert(TensorDType.BF16, source, values);

        Assert.Equal(
            Enumerable.Range(0, count).Select(i => (uint)BinaryPrimitives.ReadUInt16LittleEndian(source.AsSpan(2 * i)) << 16),
            values.Select(BitConverter.SingleToUInt32Bits));
    }

    [Fact]
    public void Open_ShardedIndexAndDirectory_ReadAsTheSameModelAsOneFile()
    {
        using var directory = new TestDirectory();
        SafetensorsWriter.Tensor[] tensors =
        [
            new("model.embed_tokens.weight", TensorDType.F32, [3, 2], RawSafetensors.F32(1, 2, 3, 4, 5, 6)),
            new("model.norm.weight", TensorDType.F32, [2], RawSafetensors.F32(7, 8)),
            new("lm_head.weight", TensorDType.F32, [3, 2], RawSafetensors.F32(9, 10, 11, 12, 13, 14)),
        ];
        string single = directory.File("single.safetensors");
        SafetensorsWriter.Write(single, tensors, new Dictionary<string, string> { ["format"] = "pt" });
        string sharded = Directory.CreateDirectory(directory.File("sharded")).FullName;
        SafetensorsWriter.Write(Path.Combine(sharded, "model-00001-of-00002.safetensors"), tensors[..2], new Dictionary<string, string> { ["format"] = "pt" });
        SafetensorsWriter.Write(Path.Combine(sharded, "model-00002-of-00002.safetensors"), tensors[2..]);
        File.WriteAllText(Path.Combine(sharded, SafetensorsIndex.FileName), """
            {"metadata": {"total_size": 56}, "weight_map": {
              "model.embed_tokens.weight": "model-00001-of-00002.safetensors",
              "model.norm.weight": "model-00001-of-00002.safetensors",
              "lm_head.weight": "model-00002-of-00002.safetensors"}}
            """);

        string[] expected = Describe(single);

        Assert.Equal(expected, Describe(sharded));
        Assert.Equal(expected, Describe(Path.Combine(sharded, SafetensorsIndex.FileName)));
        Assert.Equal(["lm_head.weight", "model.embed_tokens.weight", "model.norm.weight"], expected.SkipLast(1).Select(line => line.Split(' ')[0]));
    }

    [Fact]
    public void Open_DirectoryWithoutIndex_ReadsEveryShardButAdapters()
    {
        using var directory = new TestDirectory();
        SafetensorsWriter.Write(directory.File("a.safetensors"), [new("x", TensorDType.F32, [1], RawSafetensors.F32(1))]);
        SafetensorsWriter.Write(directory.File("b.safetensors"), [new("y", TensorDType.F32, [1], RawSafetensors.F32(2))]);
        SafetensorsWriter.Write(directory.File("adapter_model.safetensors"), [new("x", TensorDType.F32, [1], RawSafetensors.F32(3))]);

        using LoadedModel model = ModelLoader.Open(directory.Path);

        Assert.Equal(["x", "y"], model.Tensors.Select(t => t.Name));
        Assert.Equal(2, model.Files.Count);
        Assert.Equal(directory.Path, model.Directory);
    }

    [Fact]
    public void Open_HeaderWithSpacePaddingAndNullMetadata_IsAcceptedLikeTheReference()
    {
        using var directory = new TestDirectory();
        string path = RawSafetensors.Write(directory.File("m.safetensors"),
            "{\"__metadata__\":null," + RawSafetensors.Tensor("a", "F32", "[1]", 0, 4) + "}     ", 4);

        using LoadedModel model = ModelLoader.Open(path);

        Assert.Empty(model.Metadata);
        Assert.Equal("a", Assert.Single(model.Tensors).Name);
    }

    private static string[] Describe(string path)
    {
        using LoadedModel model = ModelLoader.Open(path);
        return model.Tensors.Select(t =>
        {
            var values = new float[t.ElementCount];
            model.ReadFloat32(t, 0, values);
            return $"{t.Name} {t.DType.Name()} {t.ShapeText} {string.Join(",", values)}";
        }).Append(string.Join(";", model.Metadata.Select(m => m.Key + "=" + m.Value))).ToArray();
    }

    private static byte[] Le(int width, params long[] values)
    {
        var bytes = new byte[width * values.Length];
        Span<byte> full = stackalloc byte[8];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(full, values[i]);
            full[..width].CopyTo(bytes.AsSpan(width * i));
        }

        return bytes;
    }
}
