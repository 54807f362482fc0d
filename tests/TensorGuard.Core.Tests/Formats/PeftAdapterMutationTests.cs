using CsCheck;
using TensorGuard.Core.Formats;
using TensorGuard.ModelFactory;
using TensorGuard.Tests.Corpus;

namespace TensorGuard.Core.Tests.Formats;

// Property: a valid adapter whose config or weights file is randomly damaged either still merges into its base and
// reads the same twice, or fails with ModelFormatException — never another exception, a hang or a large allocation.
public sealed class PeftAdapterMutationTests : IDisposable
{
    private const long AllocationBudget = 16L << 20;
    private static readonly byte[] JsonBytes = "{}[]:,\"0123456789-.eE truefalsnul_r".Select(c => (byte)c).ToArray();

    private readonly TestDirectory _directory = new();
    private readonly string _base;
    private readonly byte[] _config;
    private readonly byte[] _weights;

    public PeftAdapterMutationTests()
    {
        TestModel model = TestModels.Create(ModelFactory.Architecture.Default(ModelFamily.Llama) with { HiddenSize = 32, IntermediateSize = 64, VocabSize = 64, Layers = 2, HeadDim = 8 }, seed: 4);
        _base = model.Save(_directory.File("base")).Directory;
        SavedAdapter saved = model.TrainLora(rank: 2).Save(_directory.File("valid"));
        _config = File.ReadAllBytes(saved.ConfigFile);
        _weights = File.ReadAllBytes(saved.WeightsFile);
    }

    public void Dispose() => _directory.Dispose();

    [Fact(Timeout = 120_000)]
    public async Task Open_RandomlyDamagedAdapter_MergesConsistentlyOrThrowsModelFormatException()
    {
        Gen<(bool Config, (int Kind, int Position, byte Value)[] Mutations)> cases =
            Gen.Select(Gen.Bool, Gen.Select(Gen.Int[0, 3], Gen.Int[0, int.MaxValue], Gen.Byte).Array[1, 4]);
        await Task.Run(() => cases.Sample(c => Check(c.Config, c.Mutations), iter: 400, threads: 1), TestContext.Current.CancellationToken);
    }

    private void Check(bool config, (int Kind, int Position, byte Value)[] mutations)
    {
        string adapter = _directory.File(Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(adapter);
        byte[] damaged = config ? _config : _weights;
        foreach ((int kind, int position, byte value) in mutations)
        {
            damaged = Mutate(damaged, kind, position, config ? JsonBytes[value % JsonBytes.Length] : value);
        }

        File.WriteAllBytes(Path.Combine(adapter, "adapter_config.json"), config ? damaged : _config);
        File.WriteAllBytes(Path.Combine(adapter, "adapter_model.safetensors"), config ? _weights : damaged);
        long before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            Assert.Equal(ReadAll(adapter), ReadAll(adapter));
        }
        catch (ModelFormatException)
        {
            // The expected way to fail.
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < AllocationBudget, $"allocated {allocated} bytes");
    }

    private float[] ReadAll(string adapter)
    {
        using LoadedModel merged = ModelLoader.Open(adapter, _base);
        var values = new List<float>();
        foreach (TensorEntry tensor in merged.Tensors.Where(t => merged.MergedAdapter!.MergedModules.ContainsKey(t.Name)))
        {
            var block = new float[tensor.ElementCount];
            merged.ReadFloat32(tensor, 0, block);
            values.AddRange(block);
        }

        return [.. values];
    }

    // 0: overwrite a byte, 1: truncate, 2: insert a byte, 3: delete a byte.
    private static byte[] Mutate(byte[] bytes, int kind, int position, byte value)
    {
        if (bytes.Length == 0)
        {
            return [value];
        }

        int at = position % bytes.Length;
        return kind switch
        {
            0 => [.. bytes[..at], value, .. bytes[(at + 1)..]],
            1 => bytes[..at],
            2 => [.. bytes[..at], value, .. bytes[at..]],
            _ => [.. bytes[..at], .. bytes[(at + 1)..]],
        };
    }
}
