using System.IO.Compression;
using System.Text;
using TensorGuard.Core.Fingerprints.Lineage;
using TensorGuard.Core.Formats;
using TensorGuard.Core.Formats.PyTorch;
using TensorGuard.ModelFactory;
using TensorGuard.ModelFactory.Formats;
using TensorGuard.Tests.Corpus;
using Checkpoint = TensorGuard.ModelFactory.Formats.TorchCheckpointWriter;

namespace TensorGuard.Core.Tests.Formats;

/// <summary>
/// Checkpoints of torch ≥ 2.1 holding the dtypes it saves with <c>_rebuild_tensor_v3</c> (8-bit floats, uint16):
/// an untyped storage of bytes, a view counted in elements of the dtype, and the dtype as a <c>torch.&lt;name&gt;</c>
/// global. Hostile forms are in the corpus (<see cref="HostileInputs"/>, <c>pytorch-v3-*</c>).
/// </summary>
public sealed class PyTorchV3Tests
{
    private static readonly float[] Gaussian = GgufDequantizerTests.Gaussian(32, 7).Select(v => v * 3).ToArray();

    private static readonly Checkpoint.Tensor[] Tensors =
    [
        new("layers.0.q_proj.weight", [4, 8], TensorDType.F8E4M3, Gaussian),
        new("layers.0.k_proj.weight", [2, 8], TensorDType.F8E5M2, Gaussian[..16]),
        new("layers.0.v_proj.weight", [2, 8], TensorDType.F8E4M3Fnuz, Gaussian[16..]),
        new("layers.0.o_proj.weight", [2, 4], TensorDType.F8E5M2Fnuz, Gaussian[..8]),
        new("token_ids", [5], TensorDType.U16, [0, 1, 300, 65535, 7]),
        new("norm.weight", [8], TensorDType.F32, Gaussian[8..16]),
    ];

    [Theory]
    [InlineData("zip")]
    [InlineData("legacy")]
    public void Open_V3Checkpoint_ReadsNamesShapesDTypesAndValuesWithinOneStep(string format)
    {
        using var scratch = new TestDirectory();
        string path = scratch.Write("model.pt", format == "zip" ? Checkpoint.Zip(Tensors) : Checkpoint.Legacy(Tensors));

        using LoadedModel model = ModelLoader.Open(path);

        Assert.Equal(Tensors.Select(t => t.Name).Order(StringComparer.Ordinal), model.Tensors.Select(t => t.Name));
        foreach (Checkpoint.Tensor expected in Tensors)
        {
            TensorEntry entry = model.Tensors.Single(t => t.Name == expected.Name);
            Assert.Equal(expected.DType, entry.DType);
            Assert.Equal(expected.Shape, entry.Shape);
            float[] read = GgufFileTests.ReadAll(model, entry);
            if (!Float8Codes.Types.Contains(expected.DType))
            {
                Assert.Equal(expected.Values, read);
                continue;
            }

            (int mantissaBits, float smallest) = OnnxFloat8Tests.Spec(expected.DType);
            Assert.All(expected.Values.Zip(read), pair =>
            {
                float step = Math.Max(MathF.Abs(pair.First) * MathF.ScaleB(1, -mantissaBits), smallest);
                Assert.InRange(pair.Second, pair.First - step, pair.First + step);
            });
        }
    }

    [Fact]
    public void Zip_NewDTypes_AreWrittenAsTorchWritesThem()
    {
        using var zip = new ZipArchive(new MemoryStream(Checkpoint.Zip(Tensors)));
        using var reader = new StreamReader(zip.GetEntry("archive/data.pkl")!.Open(), Encoding.Latin1);
        string pickle = reader.ReadToEnd();

        Assert.Equal(5, Count(pickle, "ctorch._utils\n_rebuild_tensor_v3\n"));
        Assert.Equal(5, Count(pickle, "ctorch.storage\nUntypedStorage\n"));
        Assert.Equal(1, Count(pickle, "ctorch\nfloat8_e4m3fn\n"));
        Assert.Equal(1, Count(pickle, "ctorch\nuint16\n"));
        Assert.Equal(1, Count(pickle, "ctorch._utils\n_rebuild_tensor_v2\n"));

        // An untyped storage holds bytes: the five uint16 values take 10.
        Assert.Equal(10, zip.GetEntry("archive/data/4")!.Length);
    }

    [Fact]
    public void ReadFloat32_V3View_CountsOffsetAndStridesInElementsOfItsDType()
    {
        // Six uint16 values (12 bytes); the view starts at element 2 and is a transpose: [[3, 5], [4, 6]].
        var storage = new Checkpoint.Tensor("w", [6], TensorDType.U16, [1, 2, 3, 4, 5, 6]);
        using var scratch = new TestDirectory();
        string path = scratch.Write("w.pt", Checkpoint.Zip([storage], pickle: HostileInputs.TensorPickleV3("uint16", 12, 2, [2, 2], [1, 2])));

        using LoadedModel model = ModelLoader.Open(path);

        Assert.Equal(TensorDType.U16, model.Tensors[0].DType);
        Assert.Equal([3f, 5f, 4f, 6f], GgufFileTests.ReadAll(model, model.Tensors[0]));
    }

    public static TheoryData<string, byte[], float[]> RawDTypes => new()
    {
        { "uint32", [1, 0, 0, 0, 0x70, 0x11, 0x01, 0], [1, 70000] },
        { "uint64", [5, 0, 0, 0, 0, 0, 0, 0], [5] },
        { "float8_e8m0fnu", [127, 128, 126], [1, 2, 0.5f] },
        { "float32", [0, 0, 0xC0, 0x3F], [1.5f] },
        { "bfloat16", [0x80, 0x3F, 0x00, 0xC0], [1, -2] },
    };

    /// <summary>Dtypes the factory does not write, and legacy dtypes carried by v3 (which torch could do), read from raw bytes.</summary>
    [Theory]
    [MemberData(nameof(RawDTypes))]
    public void Open_V3OverRawBytes_DecodesEachDType(string dtype, byte[] bytes, float[] expected)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach ((string name, byte[] data) in new[] { ("archive/data.pkl", HostileInputs.TensorPickleV3(dtype, bytes.Length, 0, [expected.Length], [1])), ("archive/data/0", bytes) })
            {
                using Stream stream = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
                stream.Write(data);
            }
        }

        using var scratch = new TestDirectory();
        using LoadedModel model = ModelLoader.Open(scratch.Write("w.pt", buffer.ToArray()));

        Assert.Equal(expected, GgufFileTests.ReadAll(model, Assert.Single(model.Tensors)));
    }

    [Theory]
    [InlineData("torch", "float8_bogus")]
    [InlineData("os", "system")]
    [InlineData("builtins", "eval")]
    public void Open_DTypeSlotNamingAnythingButATorchDType_IsAnUnsafePickle(string module, string name)
    {
        using var scratch = new TestDirectory();
        byte[] pickle = HostileInputs.TensorPickleV3(p => p.Global(module, name), 4, 0, [4], [1]);
        string path = scratch.Write("w.pt", Checkpoint.Zip([new("w", [4], TensorDType.F8E4M3, [1, 2, 3, 4])], pickle: pickle));

        UnsafePickleException error = Assert.Throws<UnsafePickleException>(() => ModelLoader.Open(path));

        Assert.Equal($"{module}.{name}", error.Global);
        Assert.DoesNotContain('\n', error.Message);
    }

    public static TheoryData<ModelFamily, TensorDType> Pairs() => new()
    {
        { ModelFamily.Llama, TensorDType.F8E4M3 },
        { ModelFamily.Llama, TensorDType.F8E5M2 },
        { ModelFamily.ConvNet, TensorDType.F8E4M3 },
        { ModelFamily.ConvNet, TensorDType.F8E5M2 },
    };

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Compare_Fp8CheckpointOfTheFloatModel_IsDerived(ModelFamily family, TensorDType dtype)
    {
        using var scratch = new TestDirectory();
        TestModel model = TestModels.Create(family, seed: 1);

        using LoadedModel fp8 = ModelLoader.Open(SaveFp8(model, dtype, scratch));

        Assert.Equal(model.Weights.Count(t => t.Shape.Count >= 2), fp8.Tensors.Count(t => t.DType == dtype));
        Assert.Equal(LineageVerdict.Derived, LineageComparer.Compare(LineageSketcher.Sketch(model), fp8).Verdict);
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Compare_Fp8CheckpointOfAnUnrelatedModel_IsNotDerived(ModelFamily family, TensorDType dtype)
    {
        using var scratch = new TestDirectory();
        TestModel model = TestModels.Create(family, seed: 1);

        using LoadedModel fp8 = ModelLoader.Open(SaveFp8(model.Reinitialize(seed: 2), dtype, scratch));

        Assert.Equal(LineageVerdict.NotDerived, LineageComparer.Compare(LineageSketcher.Sketch(model), fp8).Verdict);
    }

    /// <summary>The model as torch saves an FP8 checkpoint: matrices and kernels in <paramref name="dtype"/> (v3), vectors in float32 (v2).</summary>
    public static string SaveFp8(TestModel model, TensorDType dtype, TestDirectory scratch) =>
        scratch.Write("model.pt", Checkpoint.Zip(model.Weights
            .Select(t => new Checkpoint.Tensor(t.Name, [.. t.StoredShape.Select(side => (long)side)], t.Shape.Count >= 2 ? dtype : TensorDType.F32, t.StoredValues.ToArray()))
            .ToArray()));

    private static int Count(string text, string part) => (text.Length - text.Replace(part, "", StringComparison.Ordinal).Length) / part.Length;
}
