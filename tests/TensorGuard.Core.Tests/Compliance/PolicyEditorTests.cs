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
}
