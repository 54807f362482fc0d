using TensorGuard.Core.Classification;
using TensorGuard.Core.Policy;
using TensorGuard.ModelFactory;

namespace TensorGuard.Core.Tests.Policy;

public sealed class BaseCatalogueTests
{
    private const string Families = """
        version: 1
        families:
          - id: llama
            bases:
              - name: Llama-3.1-8B
                fingerprint: fingerprints/Llama-3.1-8B_features.json
          - id: qwen
            bases:
              - name: Qwen2.5-3B
                fingerprint: fingerprints/Qwen2.5-3B_features.json
          - id: tiny
        """;

    private const string Catalogue = """
        version: 1
        bases:
          - id: tiny-1b
            repo: example/Tiny-1B
            family: tiny
            license: apache-2.0
          - id: llama-small
            repo: meta-llama/Llama-Small
            revision: 0123456789abcdef0123456789abcdef01234567
            family: llama
            license: llama3.1
            gated: true
        """;

    private static string WriteRepository(PolicyFixture fixture, string policyExtra = "catalogue: catalogue.yml\n", string catalogue = Catalogue)
    {
        fixture.CopyBase("Llama-3.1-8B_features.json");
        fixture.CopyBase("Qwen2.5-3B_features.json");
        File.WriteAllText(Path.Combine(fixture.Root, "policies", "catalogue.yml"), catalogue);
        return fixture.WritePolicy(Families + "\n" + policyExtra);
    }

    [Fact]
    public void Load_BundledCatalogue_ListsTheIssueBasesEachInAFamilyAndLicenseOfTheDefaultPolicy()
    {
        PolicyDocument policy = PolicyLoader.Load(RepositoryFiles.DefaultPolicy);
        BaseCatalogue catalogue = policy.Catalogue!;

        Assert.InRange(catalogue.Entries.Count, 30, 256);
        Assert.Equal(Path.Combine(RepositoryFiles.Root, "policies", "catalogue"), catalogue.DocumentsDirectory);
        foreach (string repo in new[] { "meta-llama/Llama-3.1-8B", "meta-llama/Llama-3.3-70B-Instruct", "google/gemma-2-2b", "google/gemma-3-12b-pt", "Qwen/Qwen2.5-0.5B", "Qwen/Qwen3-8B-Base", "mistralai/Mistral-Nemo-Base-2407", "microsoft/phi-4", "allenai/OLMo-2-1124-7B", "HuggingFaceTB/SmolLM2-1.7B", "TinyLlama/TinyLlama-1.1B-intermediate-step-1431k-3T", "openlm-research/open_llama_7b_v2" })
        {
            Assert.Contains(catalogue.Entries, e => e.Repo == repo);
        }

        // Each entry is a base of the policy under its Hub id, with the license its card declares.
        PolicyBase qwen3b = policy.Bases.Single(b => b.Name == "Qwen/Qwen2.5-3B");
        Assert.Equal(("qwen", "qwen-research"), (qwen3b.FamilyId, qwen3b.License));
        Assert.IsType<CatalogueDocument>(qwen3b.Fingerprint);
        Assert.All(catalogue.Entries.Where(e => e.Repo.StartsWith("meta-llama/", StringComparison.Ordinal)), e => Assert.True(e.Gated));
        Assert.Equal("tinyllama", policy.Bases.Single(b => b.Name.StartsWith("TinyLlama/", StringComparison.Ordinal)).FamilyId);
    }

    [Fact]
    public void Load_PolicyWithCatalogue_AddsEachEntryAsABaseOfItsFamily()
    {
        using var fixture = new PolicyFixture();
        PolicyDocument policy = PolicyLoader.Load(WriteRepository(fixture));

        PolicyBase tiny = Assert.Single(policy.Families.Single(f => f.Id == "tiny").Bases);
        Assert.Equal(("example/Tiny-1B", "apache-2.0"), (tiny.Name, tiny.License));
        Assert.Equal(["example/Tiny-1B"], tiny.Aliases);
        var document = Assert.IsType<CatalogueDocument>(tiny.Fingerprint);
        Assert.Equal(Path.Combine(fixture.Root, "policies", "catalogue", "tiny-1b.json"), document.FullPath);
        CatalogueEntry llama = policy.Catalogue!.Entries.Single(e => e.Id == "llama-small");
        Assert.Equal(("0123456789abcdef0123456789abcdef01234567", true), (llama.Revision, llama.Gated));
        Assert.Equal("hf://meta-llama/Llama-Small@0123456789abcdef0123456789abcdef01234567", llama.Reference);
    }

    [Fact]
    public void LoadSketches_CatalogueDocumentsNotBuilt_AreUnavailableNotAnError()
    {
        using var fixture = new PolicyFixture();
        PolicyDocument policy = PolicyLoader.Load(WriteRepository(fixture));

        IReadOnlyList<ReferenceBase> classifier = PolicyReferences.Load(policy);
        LineageReferences lineage = PolicyReferences.LoadSketches(policy, classifier);

        Assert.Equal(["Llama-3.1-8B", "Qwen2.5-3B"], classifier.Select(b => b.Name));
        Assert.Empty(lineage.Sketched);
        Assert.Equal(["meta-llama/Llama-Small", "example/Tiny-1B"], lineage.Unbuilt);
    }

    [Fact]
    public void Load_MissingFingerprintNamedExplicitly_StaysAnError()
    {
        using var fixture = new PolicyFixture();
        string path = WriteRepository(fixture);
        File.Delete(Path.Combine(fixture.Root, "policies", "fingerprints", "Qwen2.5-3B_features.json"));

        var error = Assert.Throws<PolicyException>(() => PolicyLoader.Load(path));

        Assert.Contains("fingerprint file 'fingerprints/Qwen2.5-3B_features.json' does not exist", error.Message);
    }

    [Fact]
    public void Load_MissingCatalogueFile_IsAnErrorAtTheKey()
    {
        using var fixture = new PolicyFixture();
        string path = WriteRepository(fixture, policyExtra: "catalogue: elsewhere.yml\n");

        var error = Assert.Throws<PolicyException>(() => PolicyLoader.Load(path));

        Assert.Equal(path, error.File);
        Assert.Contains("catalogue file 'elsewhere.yml' does not exist", error.Message);
    }

    [Fact]
    public void LoadSketches_DamagedDocument_IsAnErrorAtTheCatalogueEntry()
    {
        using var fixture = new PolicyFixture();
        PolicyDocument policy = PolicyLoader.Load(WriteRepository(fixture));
        Directory.CreateDirectory(Path.Combine(fixture.Root, "policies", "catalogue"));
        File.WriteAllText(Path.Combine(fixture.Root, "policies", "catalogue", "tiny-1b.json"), "{\"schema\": \"tensorguard-fingerprint\"");

        var error = Assert.Throws<PolicyException>(() => PolicyReferences.LoadSketches(policy, PolicyReferences.Load(policy)));

        Assert.Equal(Path.Combine(fixture.Root, "policies", "catalogue.yml"), error.File);
        Assert.Equal(new SourcePosition(3, 5), error.Position);
        Assert.Contains("base 'example/Tiny-1B'", error.Message);
        Assert.Contains("not valid JSON", error.Message);
    }

    [Fact]
    public void Load_FamilyWithoutBasesAndNoCatalogue_IsStillAnError()
    {
        using var fixture = new PolicyFixture();
        string path = WriteRepository(fixture, policyExtra: "");

        var error = Assert.Throws<PolicyException>(() => PolicyLoader.Load(path));

        Assert.Contains("family 'tiny' has no base models", error.Message);
    }

    [Theory]
    [InlineData("family: tiny2", "family 'tiny2', which", "did you mean 'tiny'?")]
    [InlineData("license: apache", "license 'apache'", "")]
    [InlineData("id: ../escape", "'id' is '../escape'", "")]
    [InlineData("repo: example/../Tiny", "'repo' is 'example/../Tiny'", "")]
    [InlineData("repo: https://evil.example/x", "'repo' is", "ORG/NAME")]
    [InlineData("revison: main", "unknown key 'revison'", "did you mean 'revision'?")]
    [InlineData("gated: maybe", "'gated' must be true or false", "")]
    public void Load_InvalidCatalogueEntry_IsAnErrorInTheCatalogueFile(string line, string problem, string hint)
    {
        using var fixture = new PolicyFixture();
        string key = line.Split(':')[0];
        string catalogue = "version: 1\nbases:\n  - id: tiny-1b\n    repo: example/Tiny-1B\n    family: tiny\n    license: apache-2.0\n";
        catalogue = catalogue.Contains($"    {key}:", StringComparison.Ordinal) || catalogue.Contains($"  - {key}:", StringComparison.Ordinal)
            ? string.Join('\n', catalogue.Split('\n').Select(l => l.TrimStart(' ', '-').StartsWith(key + ":", StringComparison.Ordinal) ? l[..(l.IndexOf(key, StringComparison.Ordinal))] + line : l))
            : catalogue + "    " + line + "\n";
        string path = WriteRepository(fixture, catalogue: catalogue);
        File.AppendAllText(path, "licenses:\n  - id: apache-2.0\n    name: Apache\n    commercial: true\n  - id: llama3.1\n    name: Llama\n    commercial: true\n");

        var error = Assert.Throws<PolicyException>(() => PolicyLoader.Load(path));

        Assert.Equal(Path.Combine(fixture.Root, "policies", "catalogue.yml"), error.File);
        Assert.Contains(problem, error.Message);
        Assert.Contains(hint, error.Message);
    }

    [Fact]
    public void Load_DuplicateIds_IsAnErrorNamingTheFirst()
    {
        using var fixture = new PolicyFixture();
        string path = WriteRepository(fixture, catalogue: "version: 1\nbases:\n  - {id: a, repo: x/A, family: tiny, license: mit}\n  - {id: a, repo: x/B, family: tiny, license: mit}\n");

        var error = Assert.Throws<PolicyException>(() => PolicyLoader.Load(path));

        Assert.Contains("id 'a' is listed twice (first at line 3)", error.Message);
    }

    [Fact]
    public void Load_DocumentsFolderOutsideTheRepository_IsAnError()
    {
        using var fixture = new PolicyFixture();
        string path = WriteRepository(fixture, catalogue: "version: 1\ndocuments: ../../..\nbases:\n  - {id: a, repo: x/A, family: tiny, license: mit}\n");

        var error = Assert.Throws<PolicyException>(() => PolicyLoader.Load(path));

        Assert.Contains("keep catalogue documents inside the repository", error.Message);
    }
}
