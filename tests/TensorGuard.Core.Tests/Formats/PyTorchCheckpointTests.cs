using TensorGuard.Tests.Corpus;
using System.IO.Compression;
using TensorGuard.Core.Formats;
using TensorGuard.Core.Formats.PyTorch;
using TensorGuard.ModelFactory.Formats;
using Checkpoint = TensorGuard.ModelFactory.Formats.TorchCheckpointWriter;

namespace TensorGuard.Core.Tests.Formats;

public class PyTorchCheckpointTests
{
    private static readonly Checkpoint.Tensor[] Tensors =
    [
        new("model.layers.0.self_attn.q_proj.weight", [4, 8], TensorDType.F32, GgufDequantizerTests.Gaussian(32, 1)),
        new("model.norm.weight", [8], TensorDType.BF16, [1f, 2f, -0.5f, 0.25f, 8f, 0f, -1f, 3f]),
        new("lm_head.weight", [2, 8], TensorDType.F16, GgufDequantizerTests.Gaussian(16, 2).Select(v => (float)(Half)v).ToArray()),
    ];

    [Theory]
    [InlineData("zip")]
    [InlineData("legacy")]
    public void Open_Checkpoint_ReadsStateDictWithoutUnpickling(string format)
    {
        using var scratch = new TestDirectory();
        string path = scratch.Write("pytorch_model.bin", format == "zip" ? Checkpoint.Zip(Tensors) : Checkpoint.Legacy(Tensors));

        using LoadedModel model = ModelLoader.Open(path);

        Assert.Equal("pytorch", model.Format);
        Assert.Equal(Tensors.Select(t => t.Name).Order(StringComparer.Ordinal), model.Tensors.Select(t => t.Name));
        foreach (Checkpoint.Tensor expected in Tensors)
        {
            TensorEntry entry = model.Tensors.Single(t => t.Name == expected.Name);
            Assert.Equal(expected.DType, entry.DType);
            Assert.Equal(expected.Shape, entry.Shape);
            Assert.Equal(expected.Values, GgufFileTests.ReadAll(model, entry));
        }
    }

    [Fact]
    public void Zip_WrittenLikeTorchSave_StoresEntriesUncompressed()
    {
        using var zip = new ZipArchive(new MemoryStream(Checkpoint.Zip(Tensors)));
        Assert.All(zip.Entries, entry => Assert.Equal(entry.Length, entry.CompressedLength));
    }

    [Fact]
    public void ReadFloat32_StridedView_GathersElements()
    {
        // A saved transpose: shape [3, 2] over a 2×3 storage with strides (1, 3).
        var p = new PickleBuilder().Proto(2).EmptyDict().Unicode("w").Global("torch._utils", "_rebuild_tensor_v2")
            .Mark().Mark().Unicode("storage").Global("torch", "FloatStorage").Unicode("0").Unicode("cpu").Int(6).Tuple().BinPersId()
            .Int(0).IntTuple([3, 2]).IntTuple([1, 3]).Bool(false).Global("collections", "OrderedDict").EmptyTuple().Reduce().Tuple().Reduce()
            .Op(0x73).Stop();
        var storage = new Checkpoint.Tensor("w", [6], TensorDType.F32, [1, 2, 3, 4, 5, 6]);
        using var scratch = new TestDirectory();
        string path = scratch.Write("w.pt", Checkpoint.Zip([storage], pickle: p.ToArray()));

        using LoadedModel model = ModelLoader.Open(path);

        Assert.Equal([1f, 4f, 2f, 5f, 3f, 6f], GgufFileTests.ReadAll(model, model.Tensors[0]));
    }

    public static TheoryData<string, byte[], string, string> HostilePickles => new()
    {
        { "protocol-0 os.system", new PickleBuilder().Global("os", "system").Mark().Raw("S'echo pwned'\n"u8).Tuple().Reduce().Stop().ToArray(), "GLOBAL", "os.system" },
        { "protocol-4 builtins.eval", new PickleBuilder().Proto(4).StackGlobal("builtins", "eval").Unicode("1+1").Op(0x85).Reduce().Stop().ToArray(), "STACK_GLOBAL", "builtins.eval" },
        { "INST subprocess.Popen", new PickleBuilder().Mark().Unicode("id").Op(0x69).Raw("subprocess\nPopen\n"u8).Stop().ToArray(), "INST", "subprocess.Popen" },
        { "nested inside a tensor", new PickleBuilder().Proto(2).Global("torch._utils", "_rebuild_tensor_v2").Mark().Global("posix", "system").Stop().ToArray(), "GLOBAL", "posix.system" },
        { "extension registry", new PickleBuilder().Proto(2).Op(0x82).Op(7).Stop().ToArray(), "EXT1", "copyreg extension 7" },
        { "torch but not a rebuild function", new PickleBuilder().Proto(2).Global("torch", "load").Stop().ToArray(), "GLOBAL", "torch.load" },
    };

    [Theory]
    [MemberData(nameof(HostilePickles))]
    public void Open_HostileLegacyPickle_ReportsUnsafeGlobal(string name, byte[] pickle, string opcode, string global)
    {
        using var scratch = new TestDirectory();
        string path = scratch.Write("pytorch_model.bin", pickle);

        UnsafePickleException error = Assert.Throws<UnsafePickleException>(() => ModelLoader.Open(path));

        Assert.Equal(opcode, error.Opcode);
        Assert.Equal(global, error.Global);
        Assert.Contains(global, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.NotEmpty(name);
    }

    [Fact]
    public void Open_HostileDataPklInZip_ReportsUnsafeGlobalWithStreamAndOffset()
    {
        byte[] pickle = new PickleBuilder().Proto(2).Global("collections", "OrderedDict").EmptyTuple().Reduce()
            .Global("os", "system").Unicode("rm -rf /").Op(0x85).Reduce().Stop().ToArray();
        using var scratch = new TestDirectory();
        string path = scratch.Write("model.pt", Checkpoint.Zip(Tensors, pickle: pickle));

        UnsafePickleException error = Assert.Throws<UnsafePickleException>(() => ModelLoader.Open(path));

        Assert.Equal("archive/data.pkl", error.Stream);
        Assert.Equal("GLOBAL", error.Opcode);
        Assert.Equal(29, error.Offset);
        Assert.Equal("unsafe-pickle", UnsafePickleException.FindingId);
    }

    [Fact]
    public void Open_ShardedIndex_ReadsEveryShard()
    {
        using var scratch = new TestDirectory();
        scratch.Write("pytorch_model-00001-of-00002.bin", Checkpoint.Zip(Tensors[..1]));
        scratch.Write("pytorch_model-00002-of-00002.bin", Checkpoint.Legacy(Tensors[1..]));
        scratch.Write("pytorch_model.bin.index.json", System.Text.Encoding.UTF8.GetBytes(
            $$$"""{"metadata": {}, "weight_map": {"{{{Tensors[0].Name}}}": "pytorch_model-00001-of-00002.bin", "{{{Tensors[1].Name}}}": "pytorch_model-00002-of-00002.bin", "{{{Tensors[2].Name}}}": "pytorch_model-00002-of-00002.bin"}}"""));

        using LoadedModel model = ModelLoader.Open(scratch.Path);

        Assert.Equal(3, model.Tensors.Count);
        Assert.Equal(2, model.Files.Count);
        Assert.Equal(Tensors[2].Values, GgufFileTests.ReadAll(model, model.Tensors.Single(t => t.Name == Tensors[2].Name)));
    }

    [Fact]
    public void Open_DirectoryWithTrainingArgs_ReadsOnlyTheWeights()
    {
        using var scratch = new TestDirectory();
        scratch.Write("pytorch_model.bin", Checkpoint.Zip(Tensors));
        scratch.Write("training_args.bin", new PickleBuilder().Proto(2).Global("transformers.training_args", "TrainingArguments").Stop().ToArray());

        using LoadedModel model = ModelLoader.Open(scratch.Path);

        Assert.Equal(3, model.Tensors.Count);
    }
}
