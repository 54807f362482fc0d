using TensorGuard.Core.Fingerprints.Identity;
using TensorGuard.Core.Formats;
using TensorGuard.Core.Gate;
using TensorGuard.Core.Tests.Compliance;
using TensorGuard.ModelFactory;

namespace TensorGuard.Core.Tests.Gate;

public sealed class TensorHashCacheTests : IDisposable
{
    private static readonly ModelShapes Small = new("small", 64, 128, 2, 256, 4, 2, Tied: false, QkvBias: false);

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private FingerprintCache Cache => new(Path.Combine(_directory.Path, "cache"));

    [Fact]
    public void Hash_SecondRun_ReadsNoTensorAndGivesTheSameHashes()
    {
        using var first = new CountingSource(new LazyModel(Small, seed: 1));
        using var second = new CountingSource(new LazyModel(Small, seed: 1));

        IdentityFingerprint computed = new TensorHashCache(Cache, "key").Hash(first, Matrices);
        IdentityFingerprint cached = new TensorHashCache(Cache, "key").Hash(second, Matrices);

        Assert.True(first.ValuesRead > 0);
        Assert.Equal(0, second.ValuesRead);
        Assert.Equal(TensorHasher.Hash(new LazyModel(Small, seed: 1), Matrices).Tensors, cached.Tensors, new HashComparer());
        Assert.Equal(computed.Tensors, cached.Tensors, new HashComparer());
    }

    [Fact]
    public void Hash_OtherTensorsAsked_ReadsOnlyThoseNotCached()
    {
        var weights = new LazyModel(Small, seed: 1);
        using var later = new CountingSource(weights);
        static bool Queries(TensorEntry t) => t.Name.EndsWith("q_proj.weight", StringComparison.Ordinal);

        new TensorHashCache(Cache, "key").Hash(weights, Queries);
        IdentityFingerprint all = new TensorHashCache(Cache, "key").Hash(later, Matrices);

        Assert.Equal(weights.Tensors.Where(t => Matrices(t) && !Queries(t)).Sum(t => t.ElementCount), later.ValuesRead);
        Assert.Equal(TensorHasher.Hash(weights, Matrices).Tensors, all.Tensors, new HashComparer());
    }

    [Fact]
    public void Hash_DamagedEntry_IsHashedAgain()
    {
        var weights = new LazyModel(Small, seed: 1);
        new TensorHashCache(Cache, "key").Hash(weights, Matrices);
        foreach (string entry in Directory.GetFiles(Path.Combine(Cache.Directory, "entries")))
        {
            File.WriteAllText(entry, "{\"schema\": \"tensorguard-fingerprint\", \"schemaVersion\": 1, \"model\": {}, \"methods\": {\"tensorguard-identity\": 7}}");
        }

        using var again = new CountingSource(weights);
        IdentityFingerprint hashed = new TensorHashCache(Cache, "key").Hash(again, Matrices);

        Assert.Equal(weights.Tensors.Where(Matrices).Sum(t => t.ElementCount), again.ValuesRead);
        Assert.Equal(TensorHasher.Hash(weights, Matrices).Tensors, hashed.Tensors, new HashComparer());
    }

    [Fact]
    public void Hash_ModifiedWeightsFile_GetsAnotherKeyAndIsHashedAgain()
    {
        string path = TestModels.Create(ModelFamily.Llama, seed: 1).Save(Path.Combine(_directory.Path, "model")).Directory;
        (string key, IdentityFingerprint hashes, long read) Run()
        {
            using LoadedModel model = ModelLoader.Open(path);
            using var counting = new CountingSource(model);
            string key = Cache.ContentKey(model);
            return (key, new TensorHashCache(Cache, key).Hash(counting, Matrices), counting.ValuesRead);
        }

        var first = Run();
        var unchanged = Run();
        string weights = Path.Combine(path, "model.safetensors");
        using (FileStream stream = File.Open(weights, FileMode.Open, FileAccess.Write))
        {
            // The last bytes of the data: the last tensor's values change, the file's size does not.
            stream.Seek(-4096, SeekOrigin.End);
            stream.Write(Enumerable.Repeat((byte)0x3F, 4096).ToArray());
        }

        // A write moves the modification time; made explicit for file systems whose clock is coarser than the test.
        File.SetLastWriteTimeUtc(weights, File.GetLastWriteTimeUtc(weights).AddSeconds(1));
        var modified = Run();

        Assert.Equal(0, unchanged.read);
        Assert.NotEqual(first.key, modified.key);
        Assert.True(modified.read > 0);
        Assert.Equal(first.hashes.Tensors.Count, modified.hashes.Tensors.Count);
        Assert.Contains(modified.hashes.Tensors, t => !first.hashes.Tensors.Any(f => f.Hash == t.Hash));
        Assert.Contains(modified.hashes.Tensors, t => first.hashes.Tensors.Any(f => f.Name == t.Name && f.Hash == t.Hash));
    }

    private static bool Matrices(TensorEntry tensor) => tensor.Shape.Count == 2;

    private sealed class HashComparer : IEqualityComparer<TensorHash>
    {
        public bool Equals(TensorHash? x, TensorHash? y) =>
            x is not null && y is not null && (x.Name, x.DType, x.Bytes, x.Hash, x.Trivial) == (y.Name, y.DType, y.Bytes, y.Hash, y.Trivial) && x.Shape.SequenceEqual(y.Shape);

        public int GetHashCode(TensorHash obj) => obj.Hash.GetHashCode(StringComparison.Ordinal);
    }

    /// <summary>Counts the values read through it.</summary>
    private sealed class CountingSource(ITensorSource inner) : ITensorSource
    {
        private long _valuesRead;

        public long ValuesRead => Interlocked.Read(ref _valuesRead);

        public IReadOnlyList<TensorEntry> Tensors => inner.Tensors;

        public void ReadFloat32(TensorEntry tensor, long firstElement, Span<float> destination)
        {
            inner.ReadFloat32(tensor, firstElement, destination);
            Interlocked.Add(ref _valuesRead, destination.Length);
        }

        public void Dispose()
        {
        }
    }
}
