using TensorGuard.Core.Policy;
using TensorGuard.ModelFactory;

namespace TensorGuard.Core.Tests.Policy;

public sealed class PolicyLoaderTests
{
    private const string Llama = "Llama-3.1-8B_features.json";
    private const string Qwen = "Qwen2.5-3B_features.json";

    [Fact]
    public void Load_DefaultPolicy_ListsFiveFamiliesAndEightBasesWithFiles()
    {
        PolicyDocument policy = PolicyLoader.Load(RepositoryFiles.DefaultPolicy);

        Assert.Equal(1, policy.Version);
        Assert.Equal(["llama", "qwen", "gemma", "phi", "mistral", "olmo", "smollm", "tinyllama", "openllama"], policy.Families.Select(f => f.Id));
        Assert.Equal(8, policy.Bases.Count(b => b.Fingerprint is FingerprintFile));
        Assert.All(policy.Bases.Where(b => b.Fingerprint is not CatalogueDocument), b => Assert.True(File.Exists(Assert.IsType<FingerprintFile>(b.Fingerprint).FullPath)));
        Assert.Equal(policy.Catalogue!.Entries.Count, policy.Bases.Count(b => b.Fingerprint is CatalogueDocument));
        Assert.Equal(Path.GetFullPath(RepositoryFiles.Root), policy.Root);
    }

    [Fact]
    public void Load_ValidPolicy_ReadsFieldsAndPositions()
    {
        using var fixture = new PolicyFixture();
        string path = fixture.WritePolicy($"""
            version: 1
            families:
              - id: llama
                name: Meta Llama
                bases:
                  - name: Llama-3.1-8B
                    version: "3.1"
                    license: llama3.1
                    fingerprint: {fixture.CopyBase(Llama)}
              - id: qwen
                bases:
                  - name: inline-qwen
                    features: {"{"}global_std: 0.04, global_norm: 54.3{"}"}
            """);

        PolicyDocument policy = PolicyLoader.Load(path);

        PolicyFamily llama = policy.Families[0];
        Assert.Equal("Meta Llama", llama.DisplayName);
        PolicyBase base8b = Assert.Single(llama.Bases);
        Assert.Equal(("Llama-3.1-8B", "llama", "3.1", "llama3.1"), (base8b.Name, base8b.FamilyId, base8b.Version, base8b.License));
        Assert.Equal(new SourcePosition(6, 9), base8b.Position);
        Assert.Equal("qwen", policy.Families[1].DisplayName);
        var inline = Assert.IsType<InlineFeatures>(policy.Families[1].Bases[0].Fingerprint);
        Assert.Equal(0.04, inline.Features["global_std"]);
        Assert.Equal(fixture.Root, policy.Root);
    }

    [Theory]
    [InlineData("licence: mit", "6:9: unknown key 'licence' in base; did you mean 'license'?")]
    [InlineData("fingerprnt: x.json", "6:9: unknown key 'fingerprnt' in base; did you mean 'fingerprint'?")]
    [InlineData("zzzzzzzzzz: 1", "6:9: unknown key 'zzzzzzzzzz' in base; known keys: name, version, license, fingerprint, features, aliases")]
    public void Load_UnknownKey_NamesPositionAndSuggestion(string line, string expected)
    {
        using var fixture = new PolicyFixture();
        string path = fixture.WritePolicy($"version: 1\nfamilies:\n  - id: llama\n    bases:\n      - name: a\n        {line}\n");

        var error = Assert.Throws<PolicyException>(() => PolicyLoader.Load(path));

        // The base also lacks a fingerprint: both problems are reported in one run.
        Assert.Contains($"{path}:{expected}", error.Problems.Select(p => p.Message));
        Assert.Contains(error.Problems, p => p.Problem.Contains("has no fingerprint", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_UnknownTopLevelKey_SuggestsFamilies()
    {
        var error = Load("version: 1\nfamilys: []\n");

        Assert.EndsWith("2:1: unknown key 'familys' in policy; did you mean 'families'?", error.Message);
    }

    [Fact]
    public void Load_AliasBomb_IsRefusedAtTheAnchor()
    {
        const string bomb = """
            version: 1
            a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]
            b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
            c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
            families: *c
            """;

        var error = Load(bomb);

        Assert.Contains("2:4: YAML anchors (&name) are not allowed", error.Message);
    }

    [Fact]
    public void Load_AliasWithoutAnchorOnTheValue_IsRefused()
    {
        var error = Load("version: 1\nfamilies:\n  - &f {id: llama, bases: []}\n  - *f\n");

        Assert.Contains("anchors (&name) are not allowed", error.Message);
    }

    [Fact]
    public void Load_DeeplyNestedDocument_IsRefused()
    {
        string deep = "version: 1\nfamilies: " + new string('[', 40) + new string(']', 40) + "\n";

        var error = Load(deep);

        Assert.Contains($"nests deeper than {YamlTreeReader.MaxDepth} levels", error.Message);
    }

    [Fact]
    public void Load_BaseListedTwice_NamesBothLines()
    {
        using var fixture = new PolicyFixture();
        string file = fixture.CopyBase(Llama);
        string path = fixture.WritePolicy($"""
            version: 1
            families:
              - id: llama
                bases:
                  - name: Llama-3.1-8B
                    fingerprint: {file}
              - id: other
                bases:
                  - name: llama-3.1-8b
                    fingerprint: {file}
            """);

        var error = Assert.Throws<PolicyException>(() => PolicyLoader.Load(path));

        Assert.Equal(new SourcePosition(9, 15), error.Position);
        Assert.Contains("base 'llama-3.1-8b' is listed twice (first at line 5)", error.Message);
    }

    [Fact]
    public void Load_ReferenceNamedLikeABase_NamesBothLines()
    {
        using var fixture = new PolicyFixture();

        var error = Assert.Throws<PolicyException>(() => PolicyLoader.Load(WithReference(fixture, "LLAMA-3.1-8B")));

        Assert.Equal(5, error.Position.Line);
        Assert.Contains("reference 'LLAMA-3.1-8B' is listed twice (first at line 8)", error.Message);
    }

    [Fact]
    public void Load_References_AreLabelledWithTheirFamilyButAreNotBases()
    {
        using var fixture = new PolicyFixture();

        PolicyDocument policy = PolicyLoader.Load(WithReference(fixture, "a-fine-tune"));

        Assert.Equal(["Llama-3.1-8B"], policy.Bases.Select(b => b.Name));
        PolicyReference reference = Assert.Single(policy.References);
        Assert.Equal(("a-fine-tune", "llama"), (reference.Name, reference.FamilyId));
    }

    [Fact]
    public void Load_FamilyWithoutBases_NamesTheFamilyLine()
    {
        var error = Load("version: 1\nfamilies:\n  - id: llama\n    name: Llama\n");

        Assert.Equal(new SourcePosition(3, 5), error.Position);
        Assert.Contains("family 'llama' has no base models", error.Message);
    }

    [Fact]
    public void Load_FamilyWithEmptyBaseList_IsAnError()
    {
        var error = Load("version: 1\nfamilies:\n  - id: llama\n    bases: []\n");

        Assert.Equal(new SourcePosition(4, 12), error.Position);
        Assert.Contains("'bases' is empty", error.Message);
    }

    [Fact]
    public void Load_BaseWithoutFingerprint_NamesTheBaseLine()
    {
        var error = Load("version: 1\nfamilies:\n  - id: llama\n    bases:\n      - name: Llama-3.1-8B\n        license: llama3.1\n");

        Assert.Equal(new SourcePosition(5, 9), error.Position);
        Assert.Contains("base 'Llama-3.1-8B' has no fingerprint", error.Message);
    }

    [Fact]
    public void Load_FamilyListedTwice_IsAnError()
    {
        using var fixture = new PolicyFixture();
        string file = fixture.CopyBase(Llama);
        string path = fixture.WritePolicy($"version: 1\nfamilies:\n  - id: llama\n    bases: [{{name: a, fingerprint: {file}}}]\n  - id: llama\n    bases: [{{name: b, fingerprint: {file}}}]\n");

        var error = Assert.Throws<PolicyException>(() => PolicyLoader.Load(path));

        Assert.Contains("5:9: family 'llama' is listed twice (first at line 3)", error.Message);
    }

    [Theory]
    [InlineData("../../outside.json", "points outside")]
    [InlineData("../../../../../../../../etc/passwd", "points outside")]
    [InlineData("/etc/passwd", "is an absolute path")]
    [InlineData("fingerprints/missing.json", "does not exist")]
    public void Load_FingerprintReferenceOutsideRootOrMissing_IsRefused(string reference, string expected)
    {
        using var fixture = new PolicyFixture();
        File.WriteAllText(Path.Combine(fixture.Root, "outside.json"), "{}");
        string path = fixture.WritePolicy($"version: 1\nfamilies:\n  - id: llama\n    bases:\n      - name: a\n        fingerprint: {reference}\n");

        var error = Assert.Throws<PolicyException>(() => PolicyLoader.Load(path));

        Assert.Equal(new SourcePosition(6, 22), error.Position);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Load_ReferenceToParentFolderInsideTheRepository_IsAllowed()
    {
        using var fixture = new PolicyFixture();
        File.Copy(Path.Combine(RepositoryFiles.Root, "policies", "fingerprints", Llama), Path.Combine(fixture.Root, Llama));
        string path = fixture.WritePolicy($"version: 1\nfamilies:\n  - id: llama\n    bases:\n      - name: a\n        fingerprint: ../{Llama}\n");

        PolicyDocument policy = PolicyLoader.Load(path);

        Assert.Equal(Path.Combine(fixture.Root, Llama), Assert.IsType<FingerprintFile>(policy.Bases.Single().Fingerprint).FullPath);
    }

    [Fact]
    public void Load_SymbolicLinkLeadingOutOfTheRepository_IsRefused()
    {
        using var fixture = new PolicyFixture();
        using var outside = new PolicyFixture();
        string target = Path.Combine(outside.Root, "secret.json");
        File.WriteAllText(target, "{}");
        File.CreateSymbolicLink(Path.Combine(fixture.Root, "policies", "fingerprints", "link.json"), target);
        string path = fixture.WritePolicy("version: 1\nfamilies:\n  - id: llama\n    bases:\n      - name: a\n        fingerprint: fingerprints/link.json\n");

        var error = Assert.Throws<PolicyException>(() => PolicyLoader.Load(path));

        Assert.Contains("which leads outside", error.Message);
    }

    [Fact]
    public void Load_PolicyOutsideAnyRepository_UsesItsOwnFolderAsRoot()
    {
        string folder = Directory.CreateTempSubdirectory("tensorguard-norepo-").FullName;
        try
        {
            string nested = Path.Combine(folder, "policy");
            Directory.CreateDirectory(nested);
            File.Copy(Path.Combine(RepositoryFiles.Root, "policies", "fingerprints", Llama), Path.Combine(folder, Llama));
            File.WriteAllText(Path.Combine(nested, "p.yml"), $"version: 1\nfamilies:\n  - id: llama\n    bases:\n      - name: a\n        fingerprint: ../{Llama}\n");

            var error = Assert.Throws<PolicyException>(() => PolicyLoader.Load(Path.Combine(nested, "p.yml")));

            Assert.Contains($"points outside {nested}", error.Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("version: 2\nfamilies: []\n", "1:10: policy version 2 is not supported")]
    [InlineData("version: one\n", "1:10: 'version' must be a whole number")]
    [InlineData("families: []\n", "1:1: the policy has no 'version'")]
    [InlineData("", "1:1: the policy is empty")]
    [InlineData("- a\n- b\n", "1:1: a policy must be a mapping of keys to values, not a list")]
    [InlineData("version: 1\nversion: 1\n", "2:1: key 'version' appears twice in this mapping (first at line 1)")]
    [InlineData("version: 1\nfamilies: [\n", "invalid YAML")]
    [InlineData("version: 1\n---\nversion: 1\n", "exactly one YAML document")]
    [InlineData("version: 1\nfamilies:\n  - id: [x]\n    bases: []\n", "3:9: 'id' must be non-empty text, not a list")]
    [InlineData("version: 1\nfamilies:\n  - id: a\n    bases:\n      - name: b\n        features: {global_std: .nan}\n", "6:32: 'global_std' must be a finite number")]
    [InlineData("version: 1\nfamilies:\n  - id: a\n    bases:\n      - name: b\n        features: {global_std: 1}\n        fingerprint: x.json\n", "both 'fingerprint' and 'features'")]
    public void Load_MalformedPolicy_GivesOneLocatedMessage(string yaml, string expected)
    {
        var error = Load(yaml);

        Assert.True(error.Message.Contains(expected, StringComparison.Ordinal), error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Load_MissingFile_IsInvalidInput()
    {
        var error = Assert.Throws<InvalidInputException>(() => PolicyLoader.Load("/nonexistent/policy.yml"));

        Assert.Contains("policy file not found", error.Message);
    }

    [Fact]
    public void KeySuggestion_FarFromEveryKey_SuggestsNothing()
    {
        Assert.Equal("families", KeySuggestion.Nearest("Families", ["version", "families"]));
        Assert.Null(KeySuggestion.Nearest("colour", ["version", "families"]));
    }

    private static PolicyException Load(string yaml)
    {
        using var fixture = new PolicyFixture();
        string path = fixture.WritePolicy(yaml);
        return Assert.Throws<PolicyException>(() => PolicyLoader.Load(path));
    }

    // Bases are read first, so a reference named like a base is the duplicate, whichever comes first in the file.
    private static string WithReference(PolicyFixture fixture, string referenceName)
    {
        string file = fixture.CopyBase(Llama);
        return fixture.WritePolicy($"""
            version: 1
            families:
              - id: llama
                references:
                  - name: {referenceName}
                    fingerprint: {file}
                bases:
                  - name: Llama-3.1-8B
                    fingerprint: {file}
            """);
    }
}
