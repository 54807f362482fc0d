using TensorGuard.Core.Compliance;
using TensorGuard.Core.Fingerprints;
using TensorGuard.Core.Fingerprints.Lineage;
using TensorGuard.Core.Formats;
using TensorGuard.Core.Gate;
using TensorGuard.Core.Policy;
using TensorGuard.Core.Tests.Policy;
using TensorGuard.ModelFactory;

namespace TensorGuard.Core.Tests.Gate;

/// <summary>
/// Opens catalogue bases from local folders, with a commit per repository and gating: what the Hub answers, without
/// HTTP (the Hub's protocol is tested against its stand-in server).
/// </summary>
internal sealed class FolderSource(IReadOnlyDictionary<string, string> folders) : ICatalogueSource
{
    private int _opened;

    public Dictionary<string, string> Commits { get; } = new(StringComparer.Ordinal);

    public bool HasToken { get; set; }

    public int Opened => _opened;

    public string Resolve(CatalogueEntry entry)
    {
        if (entry.Gated && !HasToken)
        {
            throw new InvalidInputException($"{entry.Repo} is gated; set HF_TOKEN");
        }

        return Commits.TryGetValue(entry.Repo, out string? commit) ? commit : new string('a', 40);
    }

    public OpenedBase Open(CatalogueEntry entry, string commit)
    {
        Interlocked.Increment(ref _opened);
        return new OpenedBase(ModelLoader.Open(folders[entry.Repo]), () => null);
    }
}

/// <summary>A small catalogue of three bases of different shapes, one gated, built and then used by the gate.</summary>
public sealed class CatalogueBuilderTests : IDisposable
{
    private static readonly (string Id, string Repo, ModelFamily Family, string PolicyFamily, bool Gated)[] Bases =
    [
        ("llama-small", "test/llama-small", ModelFamily.Llama, "llama", false),
        ("qwen-small", "test/qwen-small", ModelFamily.Qwen2, "qwen", false),
        ("gemma-small", "test/gemma-small", ModelFamily.Gemma, "gemma", true),
    ];

    private readonly PolicyFixture _repository = new();
    private readonly Dictionary<string, TestModel> _models = [];
    private readonly FolderSource _source;
    private readonly string _policy;

    public CatalogueBuilderTests()
    {
        var folders = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string id, string repo, ModelFamily family, _, _) in Bases)
        {
            TestModel model = TestModels.Create(family, seed: 7100 + (int)family);
            _models[repo] = model;
            folders[repo] = model.Save(Path.Combine(_repository.Root, "hub", id)).Directory;
        }

        _source = new FolderSource(folders) { HasToken = true };
        string catalogue = "version: 1\nbases:\n" + string.Concat(Bases.Select(b => $"  - {{id: {b.Id}, repo: {b.Repo}, family: {b.PolicyFamily}, license: apache-2.0, gated: {(b.Gated ? "true" : "false")}}}\n"))
            + "  - {id: not-built, repo: test/not-built, family: llama, license: apache-2.0}\n";
        File.WriteAllText(Path.Combine(_repository.Root, "policies", "catalogue.yml"), catalogue);
        string llama = _repository.CopyBase("Llama-3.1-8B_features.json");
        string qwen = _repository.CopyBase("Qwen2.5-3B_features.json");
        string gemma = _repository.CopyBase("gemma-3-4b-it_features.json");
        _policy = _repository.WritePolicy($$"""
            version: 1
            catalogue: catalogue.yml
            families:
              - id: llama
                bases: [{name: Llama-3.1-8B, fingerprint: {{llama}}}]
              - id: qwen
                bases: [{name: Qwen2.5-3B, fingerprint: {{qwen}}}]
              - id: gemma
                bases: [{name: gemma-3-4b-it, fingerprint: {{gemma}}}]
            """);
    }

    private BaseCatalogue Catalogue => PolicyLoader.Load(_policy).Catalogue!;

    private string Documents => Catalogue.DocumentsDirectory;

    private IReadOnlyList<CatalogueBuildOutcome> Build(params string[] only) =>
        new CatalogueBuilder(_source).Build(Catalogue, Documents, only, jobs: 1);

    public void Dispose() => _repository.Dispose();

    [Fact]
    public void Build_ThreeBases_WritesSketchHashesFeaturesRevisionAndLicense()
    {
        _source.Commits["test/qwen-small"] = new string('b', 40);

        IReadOnlyList<CatalogueBuildOutcome> outcomes = Build("llama-small", "qwen-small", "gemma-small");

        Assert.All(outcomes, o => Assert.Equal(CatalogueBuildStatus.Built, o.Status));
        CatalogueBaseDocument qwen = CatalogueBaseDocument.Read(Path.Combine(Documents, "qwen-small.json"));
        Assert.Equal(("qwen-small", "test/qwen-small", "main", new string('b', 40), "qwen", "apache-2.0", false),
            (qwen.Id, qwen.Repo, qwen.Revision, qwen.ResolvedRevision, qwen.Family, qwen.License, qwen.Gated));
        Assert.NotNull(qwen.Fingerprint.Lineage);
        Assert.NotNull(qwen.Fingerprint.Gradient);
        Assert.Contains(qwen.Fingerprint.Files, f => f.Path.EndsWith(".safetensors", StringComparison.Ordinal) && f.Sha256.Length == 64);
        Assert.True(CatalogueBaseDocument.Read(Path.Combine(Documents, "gemma-small.json")).Gated);

        // Every fingerprint reader reads it: it is a fingerprint document with a catalogue section.
        Assert.Equal("test/qwen-small", FingerprintReader.Read(Path.Combine(Documents, "qwen-small.json")).ModelName);
    }

    [Fact]
    public void Build_AgainAtTheSameCommits_FetchesNothing_AndAMovedCommitRebuildsOnlyThatBase()
    {
        Build("llama-small", "qwen-small");
        int opened = _source.Opened;
        byte[] before = File.ReadAllBytes(Path.Combine(Documents, "llama-small.json"));

        IReadOnlyList<CatalogueBuildOutcome> again = Build("llama-small", "qwen-small");
        _source.Commits["test/llama-small"] = new string('c', 40);
        IReadOnlyList<CatalogueBuildOutcome> moved = Build("llama-small", "qwen-small");

        Assert.All(again, o => Assert.Equal(CatalogueBuildStatus.UpToDate, o.Status));
        Assert.Equal([CatalogueBuildStatus.Built, CatalogueBuildStatus.UpToDate], moved.Select(o => o.Status));
        Assert.Equal(opened + 1, _source.Opened);
        byte[] after = File.ReadAllBytes(Path.Combine(Documents, "llama-small.json"));
        Assert.NotEqual(before, after);
        Assert.Equal(new string('c', 40), CatalogueBaseDocument.Read(Path.Combine(Documents, "llama-small.json")).ResolvedRevision);
    }

    [Fact]
    public void Build_GatedBaseWithoutAccess_FailsAloneWithTheReason_AndResumesOnceGranted()
    {
        _source.HasToken = false;

        IReadOnlyList<CatalogueBuildOutcome> first = Build("llama-small", "gemma-small");
        _source.HasToken = true;
        IReadOnlyList<CatalogueBuildOutcome> second = Build("llama-small", "gemma-small");

        Assert.Equal([CatalogueBuildStatus.Built, CatalogueBuildStatus.Failed], first.Select(o => o.Status));
        Assert.Contains("gated; set HF_TOKEN", first[1].Problem);
        Assert.Equal([CatalogueBuildStatus.UpToDate, CatalogueBuildStatus.Built], second.Select(o => o.Status));
    }

    [Fact]
    public void Build_DamagedDocument_IsRebuilt()
    {
        Build("llama-small");
        string path = Path.Combine(Documents, "llama-small.json");
        byte[] good = File.ReadAllBytes(path);
        File.WriteAllText(path, "{ truncated");

        CatalogueBuildOutcome outcome = Assert.Single(Build("llama-small"));

        Assert.Equal(CatalogueBuildStatus.Built, outcome.Status);
        Assert.Equal(good, File.ReadAllBytes(path));
    }

    [Fact]
    public void Build_InParallel_WritesTheSameBytesAsOneAtATime()
    {
        string sequential = Path.Combine(_repository.Root, "sequential");
        new CatalogueBuilder(_source).Build(Catalogue, sequential, ["llama-small", "qwen-small", "gemma-small"], jobs: 1);

        new CatalogueBuilder(_source).Build(Catalogue, Documents, ["llama-small", "qwen-small", "gemma-small"], jobs: 3);

        Assert.All(Bases, b => Assert.Equal(File.ReadAllBytes(Path.Combine(sequential, b.Id + ".json")), File.ReadAllBytes(Path.Combine(Documents, b.Id + ".json"))));
        Assert.Empty(Directory.GetFiles(Documents, "*.tmp"));
    }

    [Fact]
    public void Build_UnknownId_IsInvalidInputNamingTheIds()
    {
        var error = Assert.Throws<InvalidInputException>(() => Build("llama-smal"));

        Assert.Contains("no entry has the id 'llama-smal'", error.Message);
        Assert.Contains("llama-small", error.Message);
    }

    [Fact]
    public void Check_DerivativesOfEachCatalogueBase_DeriveFromThatBase_AndUnbuiltBasesAreANote()
    {
        Build("llama-small", "qwen-small", "gemma-small");
        (string Repo, TestModel Derivative)[] derivatives =
        [
            ("test/llama-small", _models["test/llama-small"].FineTune(0.1, seed: 3)),
            ("test/qwen-small", _models["test/qwen-small"].QuantizeInt8()),
            ("test/gemma-small", _models["test/gemma-small"].PermuteMlpNeurons(seed: 4).ToGguf()),
        ];
        string[] paths = derivatives.Select((d, i) => d.Derivative.Save(Path.Combine(_repository.Root, "artifacts", $"derivative-{i}")).Directory).ToArray();
        string unrelated = _models["test/llama-small"].Reinitialize(seed: 4242).Save(Path.Combine(_repository.Root, "artifacts", "unrelated")).Directory;

        CheckResult result = CheckPipeline.Run(new CheckRequest(PolicyLoader.Load(_policy), [.. paths, unrelated], _repository.Root, IdentityOverrides.None(DeclarationSource.Override)));

        for (int i = 0; i < derivatives.Length; i++)
        {
            DetectedLineage detected = result.Artifacts[i].Detected!;
            Assert.Equal(EvidenceLevel.Derived, detected.Level);
            Assert.Equal(derivatives[i].Repo, detected.Base!.Name);
            Assert.All(detected.Source.Tests.Where(t => t.Base != derivatives[i].Repo), t => Assert.NotEqual(LineageVerdict.Derived, t.Verdict));
        }

        Assert.NotEqual(EvidenceLevel.Derived, result.Artifacts[^1].Detected!.Level);
        RunMessage note = Assert.Single(result.Messages, m => m.Text.Contains("lineage is unavailable", StringComparison.Ordinal));
        Assert.Equal(Severity.Note, note.Severity);
        Assert.Contains("test/not-built", note.Text);
        Assert.DoesNotContain("test/llama-small", note.Text);
    }
}
