using System.Text;
using TensorGuard.Core.Classification;
using TensorGuard.Core.Compliance;
using TensorGuard.Core.Fingerprints;
using TensorGuard.Core.Fingerprints.Identity;
using TensorGuard.Core.Formats;
using TensorGuard.Core.Gate;
using TensorGuard.ModelFactory;

namespace TensorGuard.Core.Tests.Gate;

public sealed class IdentityEvidenceTests
{
    private static readonly ModelShapes Small = new("small", 64, 128, 2, 256, 4, 2, Tied: false, QkvBias: false);

    private static ReferenceBase Base(ITensorSource weights) =>
        new("base", "llama", new Dictionary<string, double>()) { Identity = TensorHasher.Hash(weights) };

    [Fact]
    public void Hash_NormsAndSmallTensors_AreTrivialAndMatricesAreNot()
    {
        IdentityFingerprint identity = TensorHasher.Hash(new LazyModel(Small, seed: 1));

        Assert.All(identity.Tensors.Where(t => t.Shape.Count == 1), t => Assert.True(t.Trivial));
        Assert.All(identity.Tensors.Where(t => t.Name.EndsWith("q_proj.weight", StringComparison.Ordinal)), t => Assert.False(t.Trivial));
        Assert.All(identity.Tensors.Where(t => t.Name.EndsWith("k_proj.weight", StringComparison.Ordinal)), t => Assert.True(t.Trivial)); // 32 x 64 elements
        Assert.Equal(64L * 64 * 2, identity.Tensors.Single(t => t.Name == "model.layers.0.self_attn.q_proj.weight").Bytes);
    }

    [Fact]
    public void Find_SameWeights_AreIdenticalAndAFineTuneIsNot()
    {
        var weights = new LazyModel(Small, seed: 1);
        var identity = new IdentityEvidence([Base(weights)]);

        IdentityMatch same = Assert.Single(identity.Find(new LazyModel(Small, seed: 1), []));
        IReadOnlyList<IdentityMatch> tuned = identity.Find(weights.FineTune(0.01, seed: 2), []);
        IReadOnlyList<IdentityMatch> independent = identity.Find(new LazyModel(Small, seed: 3), []);

        Assert.True(same.Complete);
        Assert.Equal(same.Tensors, same.IdenticalTensors);
        Assert.Empty(tuned);
        Assert.Empty(independent);
    }

    [Fact]
    public void Find_RenamedCopyWithOneRetrainedMatrix_MatchesByContent()
    {
        var weights = new LazyModel(Small, seed: 1);
        var identity = new IdentityEvidence([Base(weights)]);
        using var renamed = new RenamedSource(weights, retrained: "model.layers.1.mlp.up_proj.weight");

        IdentityMatch match = Assert.Single(identity.Find(renamed, []));

        Assert.False(match.Complete);
        Assert.Equal(match.Tensors - 1, match.IdenticalTensors);
        Assert.Contains($"{match.IdenticalTensors} of {match.Tensors} non-trivial tensors bit-identical to base", DetectedLineage.Describe(match));
    }

    [Fact]
    public void Find_ConstantMatrix_NeverCounts()
    {
        var constant = new ConstantSource();
        var identity = new IdentityEvidence([Base(constant)]);

        Assert.Empty(identity.Find(new ConstantSource(), []));
    }

    [Fact]
    public void Find_WeightFileWithTheBasesRecordedSha256_IsIdentical()
    {
        const string sha = "ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12";
        var reference = new ReferenceBase("base", "llama", new Dictionary<string, double>()) { Files = [new SourceFile("model.safetensors", sha, 1 << 20)] };

        IdentityMatch match = Assert.Single(new IdentityEvidence([reference]).Find(new ConstantSource(), [new SourceFile("renamed.safetensors", sha, 1 << 20)]));

        Assert.True(match.Complete);
        Assert.Equal(1, match.IdenticalFiles);
    }

    [Fact]
    public void Document_IdentitySection_RoundTripsAndOldDocumentsStayReadable()
    {
        var document = new FingerprintDocument { ModelName = "m", ParameterCount = 1, Identity = TensorHasher.Hash(new LazyModel(Small, seed: 1)) };

        FingerprintDocument read = FingerprintReader.Parse(Encoding.UTF8.GetBytes(FingerprintWriter.ToJson(document)), "m.json", "m");
        FingerprintDocument old = FingerprintReader.Parse(Encoding.UTF8.GetBytes(FingerprintWriter.ToJson(document with { Identity = null })), "m.json", "m");

        Assert.Equal(document.Identity.Tensors.Select(t => (t.Name, t.Hash, t.Trivial)), read.Identity!.Tensors.Select(t => (t.Name, t.Hash, t.Trivial)));
        Assert.Null(old.Identity);
    }

    [Fact]
    public void Document_MalformedTensorHash_IsRejectedWithItsName()
    {
        var document = new FingerprintDocument { ModelName = "m", ParameterCount = 1, Identity = TensorHasher.Hash(new LazyModel(Small, seed: 1)) };
        string json = FingerprintWriter.ToJson(document).Replace(document.Identity.Tensors[0].Hash, "not-a-hash", StringComparison.Ordinal);

        var error = Assert.ThrowsAny<InvalidInputException>(() => FingerprintReader.Parse(Encoding.UTF8.GetBytes(json), "m.json", "m"));

        Assert.Contains(document.Identity.Tensors[0].Name, error.Message);
    }

    /// <summary>The weights under other names (a GGUF-style rename), with one matrix replaced by independent values.</summary>
    private sealed class RenamedSource(LazyModel weights, string retrained) : ITensorSource
    {
        private readonly LazyModel _other = new(Small, seed: 77);

        public IReadOnlyList<TensorEntry> Tensors { get; } = weights.Tensors.Select(t => t with { Name = "renamed." + t.Name }).ToArray();

        public void ReadFloat32(TensorEntry tensor, long firstElement, Span<float> destination)
        {
            string original = tensor.Name["renamed.".Length..];
            LazyModel source = original == retrained ? _other : weights;
            source.ReadFloat32(source.Tensors.Single(t => t.Name == original), firstElement, destination);
        }

        public void Dispose()
        {
        }
    }

    private sealed class ConstantSource : ITensorSource
    {
        public IReadOnlyList<TensorEntry> Tensors { get; } = [new TensorEntry("w", TensorDType.F32, [128, 128], "c")];

        public void ReadFloat32(TensorEntry tensor, long firstElement, Span<float> destination) => destination.Fill(0.5f);

        public void Dispose()
        {
        }
    }
}
