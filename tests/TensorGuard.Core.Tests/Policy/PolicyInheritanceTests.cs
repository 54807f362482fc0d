using TensorGuard.Core.Policy;
using TensorGuard.ModelFactory;

namespace TensorGuard.Core.Tests.Policy;

public sealed class PolicyInheritanceTests
{
    [Fact]
    public void Load_ExtendsDefault_ReusesBundledFamiliesLicensesAndBases()
    {
        using var fixture = new PolicyFixture();
        string path = fixture.WritePolicy("version: 1\nextends: default\norganisation:\n  commercial: true\n  denied-licenses: [qwen-research]\n");

        PolicyDocument policy = PolicyLoader.Load(path, RepositoryFiles.DefaultPolicy);
        PolicyDocument bundled = PolicyLoader.Load(RepositoryFiles.DefaultPolicy);

        Assert.Equal(bundled.Families.Select(f => f.Id), policy.Families.Select(f => f.Id));
        Assert.Equal(bundled.Bases.Select(b => b.Name), policy.Bases.Select(b => b.Name));
        Assert.Equal(bundled.Licenses.Select(l => l.Id), policy.Licenses.Select(l => l.Id));
        Assert.Empty(policy.LocalFamilies);
        Assert.Equal(["qwen-research"], policy.Organisation.DeniedLicenses);
        Assert.Empty(policy.Exemptions);
    }

    [Fact]
    public void Load_ExtendsDefault_LocalEntriesOverrideById()
    {
        using var fixture = new PolicyFixture();
        string path = fixture.WritePolicy($"""
            version: 1
            extends: default
            licenses:
              - id: mit
                name: MIT as our lawyers read it
                commercial: true
              - id: acme-internal
                commercial: false
            families:
              - id: llama
                bases:
                  - name: Acme-Llama-Base
                    license: acme-internal
                    fingerprint: {fixture.CopyBase("Llama-3.1-8B_features.json")}
              - id: acme
                bases:
                  - name: Acme-7B
                    license: mit
                    features: {"{"}global_mean: 1{"}"}
            """);

        PolicyDocument policy = PolicyLoader.Load(path, RepositoryFiles.DefaultPolicy);

        Assert.Equal("MIT as our lawyers read it", policy.Licenses.Single(l => l.Id == "mit").Name);
        Assert.Contains(policy.Licenses, l => l.Id == "acme-internal");
        Assert.Contains(policy.Licenses, l => l.Id == "llama3.1");
        PolicyFamily llama = policy.Families.Single(f => f.Id == "llama");
        Assert.Contains(llama.Bases, b => b.Name == "Acme-Llama-Base");
        Assert.Contains(llama.Bases, b => b.Name == "Llama-3.1-8B");
        Assert.Equal("acme", policy.Families[^1].Id);
        Assert.Equal(["llama", "acme"], policy.LocalFamilies.Select(f => f.Id));
    }

    [Fact]
    public void Load_ExtendsAPolicyFile_InheritsFromIt()
    {
        using var fixture = new PolicyFixture();
        File.WriteAllText(Path.Combine(fixture.Root, "policies", "org.yml"),
            "version: 1\nfamilies:\n  - id: acme\n    bases:\n      - name: Acme-7B\n        license: mit\n        features: {global_mean: 1}\n");
        string path = fixture.WritePolicy("version: 1\nextends: org.yml\n");

        Assert.Equal("Acme-7B", Assert.Single(PolicyLoader.Load(path).Bases).Name);
    }

    [Theory]
    [InlineData("extends: policy.yml", "cannot extend itself")]
    [InlineData("extends: missing.yml", "no such file")]
    [InlineData("extends: ../../outside.yml", "inside")]
    [InlineData("extends: default", "bundled policy, which this caller does not provide")]
    public void Load_BadExtends_SaysWhy(string line, string expected)
    {
        using var fixture = new PolicyFixture();
        string path = fixture.WritePolicy($"version: 1\n{line}\n");

        var error = Assert.Throws<PolicyException>(() => PolicyLoader.Load(path));

        Assert.Contains(expected, error.Problem, StringComparison.Ordinal);
        Assert.Equal(2, error.Position.Line);
    }

    [Fact]
    public void Load_ExtendsCycle_IsRefused()
    {
        using var fixture = new PolicyFixture();
        File.WriteAllText(Path.Combine(fixture.Root, "policies", "a.yml"), "version: 1\nextends: policy.yml\n");
        string path = fixture.WritePolicy("version: 1\nextends: a.yml\n");

        var error = Assert.Throws<PolicyException>(() => PolicyLoader.Load(path));

        Assert.Contains("leads back", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Starter_WithOptions_IsAValidPolicyThatExtendsDefault()
    {
        using var fixture = new PolicyFixture();
        string path = fixture.WritePolicy(PolicyStarter.Text(commercial: true, ["apache-2.0", "MIT"]));

        PolicyDocument policy = PolicyLoader.Load(path, RepositoryFiles.DefaultPolicy);

        Assert.True(policy.Organisation.Commercial);
        Assert.Equal(["apache-2.0", "mit"], policy.Organisation.AllowedLicenses);
        Assert.Equal(8, policy.Bases.Count(b => b.Fingerprint is not CatalogueDocument));
        Assert.Equal(8 + policy.Catalogue!.Entries.Count, policy.Bases.Count());
        Assert.Equal(Severity.Error, policy.Rules.SeverityOf(RuleIds.LicenseUnknown));
    }

    [Fact]
    public void Starter_NonCommercial_MakesUnknownLicensesWarnings()
    {
        using var fixture = new PolicyFixture();
        string path = fixture.WritePolicy(PolicyStarter.Text(commercial: false, []));

        Assert.Equal(Severity.Warning, PolicyLoader.Load(path, RepositoryFiles.DefaultPolicy).Rules.SeverityOf(RuleIds.LicenseUnknown));
    }

    [Fact]
    public void Load_CommercialWithExplicitLicenseUnknownSeverity_KeepsIt()
    {
        using var fixture = new PolicyFixture();
        string path = fixture.WritePolicy("version: 1\nextends: default\norganisation:\n  commercial: true\nrules:\n  license-unknown: note\n");

        Assert.Equal(Severity.Note, PolicyLoader.Load(path, RepositoryFiles.DefaultPolicy).Rules.SeverityOf(RuleIds.LicenseUnknown));
    }
}
