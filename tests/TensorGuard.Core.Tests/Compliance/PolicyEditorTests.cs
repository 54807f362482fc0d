using TensorGuard.Core.Policy;

namespace TensorGuard.Core.Tests.Compliance;

public sealed class PolicyEditorTests
{
    private static PolicyDocument Load(string text) => PolicyLoader.Read(YamlTreeReader.Read(text, "policy.yml"), "policy.yml", Directory.GetCurrentDirectory());

    [Fact]
    public void AddBase_ExistingFamily_InsertsAtTopKeepingComments()
    {
        string text = GatePolicies.Base.Replace("  - id: mistral", "  # Mistral models\n  - id: mistral", StringComparison.Ordinal);
        string edited = PolicyEditor.AddBase(text, Load(text), "mistral", "Mistral-7B-v0.3", "apache-2.0", "fingerprints/Mistral-7B-v0.3.json");

        Assert.Contains("# Mistral models", edited);
        PolicyDocument policy = Load(edited.Replace("fingerprint: fingerprints/Mistral-7B-v0.3.json", "features: {global_mean: 5}", StringComparison.Ordinal));
        PolicyFamily mistral = policy.Families.Single(f => f.Id == "mistral");
        Assert.Equal(["Mistral-7B-v0.3", "Mistral-7B-v0.1"], mistral.Bases.Select(b => b.Name));
        Assert.Equal("apache-2.0", mistral.Bases[0].License);
    }

    [Fact]
    public void AddBase_NewFamily_AddsTheFamily()
    {
        string edited = PolicyEditor.AddBase(GatePolicies.Base, Load(GatePolicies.Base), "falcon", "Falcon 7B: v1", null, "fp/falcon.json");

        PolicyDocument policy = Load(edited.Replace("fingerprint: fp/falcon.json", "features: {global_mean: 6}", StringComparison.Ordinal));
        PolicyBase falcon = Assert.Single(policy.Families.Single(f => f.Id == "falcon").Bases);
        Assert.Equal("Falcon 7B: v1", falcon.Name);
    }

    [Fact]
    public void AddBase_DuplicateName_IsRefused()
    {
        var error = Assert.Throws<InvalidInputException>(() =>
            PolicyEditor.AddBase(GatePolicies.Base, Load(GatePolicies.Base), "llama", "llama-3.1-8b", null, "x.json"));

        Assert.Contains("already has a base", error.Message);
    }

    [Fact]
    public void AddBase_FlowStyleList_IsRefusedWithAMessage()
    {
        const string text = "version: 1\nfamilies: [{id: a, bases: [{name: b, features: {x: 1}}]}]\n";

        var error = Assert.Throws<InvalidInputException>(() => PolicyEditor.AddBase(text, Load(text), "a", "c", null, "c.json"));

        Assert.Contains("block style", error.Message);
    }

    [Theory]
    [InlineData("")]                 // a fresh policy init: no families: key
    [InlineData("families: []\n")]  // an empty list
    [InlineData("families:\n")]     // a key without value
    public void AddBase_PolicyWithoutFamilies_AddsAFamiliesSectionThatJoinsTheInheritedFamily(string families)
    {
        string text = PolicyStarter.Text(commercial: false, []) + families;
        PolicyDocument starter = PolicyLoader.Read(YamlTreeReader.Read(text, "policy.yml"), "policy.yml", Directory.GetCurrentDirectory(), ModelFactory.RepositoryFiles.DefaultPolicy);

        string edited = PolicyEditor.AddBase(text, starter, "llama", "Acme-Llama", "llama3.1", "fp/acme.json", ["acme/llama", "acme/llama-v2"]);

        Assert.Contains("aliases: [acme/llama, acme/llama-v2]", edited, StringComparison.Ordinal);
        Assert.Contains("# exceptions:", edited, StringComparison.Ordinal);
        PolicyDocument policy = PolicyLoader.Read(YamlTreeReader.Read(edited.Replace("fingerprint: fp/acme.json", "features: {global_mean: 6}", StringComparison.Ordinal), "policy.yml"),
            "policy.yml", Directory.GetCurrentDirectory(), ModelFactory.RepositoryFiles.DefaultPolicy);
        PolicyFamily llama = policy.Families.Single(f => f.Id == "llama");
        Assert.Contains(llama.Bases, b => b.Name == "Acme-Llama" && b.Aliases.SequenceEqual(["acme/llama", "acme/llama-v2"]));
        Assert.Contains(llama.Bases, b => b.Name == "Llama-3.1-8B");
    }

    [Fact]
    public void AddBase_InheritedName_ReplacesTheInheritedBaseInItsFamilyOnly()
    {
        string text = PolicyStarter.Text(commercial: false, []);
        PolicyDocument starter = PolicyLoader.Read(YamlTreeReader.Read(text, "policy.yml"), "policy.yml", Directory.GetCurrentDirectory(), ModelFactory.RepositoryFiles.DefaultPolicy);
        Assert.True(PolicyEditor.ReplacesInherited(starter, "Llama-3.1-8B"));

        string edited = PolicyEditor.AddBase(text, starter, "llama", "Llama-3.1-8B", "llama3.1", "fp/llama.json");
        PolicyDocument policy = PolicyLoader.Read(YamlTreeReader.Read(edited.Replace("fingerprint: fp/llama.json", "features: {global_mean: 6}", StringComparison.Ordinal), "policy.yml"),
            "policy.yml", Directory.GetCurrentDirectory(), ModelFactory.RepositoryFiles.DefaultPolicy);
        PolicyBase replaced = Assert.Single(policy.Bases, b => b.Name == "Llama-3.1-8B");
        Assert.Equal("llama", replaced.FamilyId);
        Assert.False(PolicyEditor.ReplacesInherited(policy, "Llama-3.1-8B"));

        var elsewhere = Assert.Throws<InvalidInputException>(() => PolicyEditor.AddBase(text, starter, "acme", "Llama-3.1-8B", "llama3.1", "fp/llama.json"));
        Assert.Contains("use --family llama", elsewhere.Message, StringComparison.Ordinal);
    }
}
