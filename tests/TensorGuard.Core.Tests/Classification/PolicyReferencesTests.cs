using TensorGuard.Core.Classification;
using TensorGuard.Core.Policy;
using TensorGuard.Core.Tests.Policy;

namespace TensorGuard.Core.Tests.Classification;

public sealed class PolicyReferencesTests
{
    [Fact]
    public void Load_DefaultPolicy_ReadsEveryBaseFingerprint()
    {
        Assert.Equal(8, ReferenceSet.Bases.Count);
        Assert.All(ReferenceSet.Bases, b => Assert.True(b.Features.ContainsKey("global_std")));
        Assert.Equal(3, ReferenceSet.Bases.Count(b => b.Family == "llama"));
    }

    [Fact]
    public void Load_InlineFeatures_BecomeTheBaseFingerprint()
    {
        using var fixture = new PolicyFixture();
        string path = fixture.WritePolicy("""
            version: 1
            families:
              - id: x
                bases:
                  - name: inline
                    features: {global_mean: 0, global_std: 0.02, global_norm: 60, global_skewness: 0, global_kurtosis: 7, total_params: 1000, num_layers: 10}
            """);

        ReferenceBase inline = PolicyReferences.Load(PolicyLoader.Load(path)).Single();

        Assert.Equal(("inline", "x", 60.0), (inline.Name, inline.Family, inline.Features["global_norm"]));
    }

    [Fact]
    public void Load_IncompleteInlineFeatures_IsAPolicyErrorAtTheBase()
    {
        using var fixture = new PolicyFixture();
        string path = fixture.WritePolicy("version: 1\nfamilies:\n  - id: x\n    bases:\n      - name: inline\n        features: {global_std: 0.02}\n");

        var error = Assert.Throws<PolicyException>(() => PolicyReferences.Load(PolicyLoader.Load(path)));

        Assert.Equal(new SourcePosition(5, 9), error.Position);
        Assert.Contains("base 'inline': inline features are invalid: required feature global_mean is missing", error.Message);
    }

    [Theory]
    [InlineData("{\"global_mean\": 1}", "required feature")]
    [InlineData("{\"schema\": \"tensorguard-fingerprint\", \"schemaVersion\": 1, \"model\": {\"name\": \"m\", \"parameterCount\": 1, \"files\": []}, \"methods\": {\"other-method\": {}}}", "other-method")]
    [InlineData("not json", "not valid JSON")]
    public void Load_InvalidBaseFingerprintFile_IsAPolicyErrorAtTheBase(string json, string expected)
    {
        using var fixture = new PolicyFixture();
        File.WriteAllText(Path.Combine(fixture.Root, "policies", "fingerprints", "bad.json"), json);
        string path = fixture.WritePolicy("version: 1\nfamilies:\n  - id: x\n    bases:\n      - name: bad\n        fingerprint: fingerprints/bad.json\n");

        var error = Assert.Throws<PolicyException>(() => PolicyReferences.Load(PolicyLoader.Load(path)));

        Assert.Equal(new SourcePosition(5, 9), error.Position);
        Assert.Contains("base 'bad': ", error.Message);
        Assert.Contains(expected, error.Message);
    }
}
