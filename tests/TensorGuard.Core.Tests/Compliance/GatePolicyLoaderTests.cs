using TensorGuard.Core.Policy;

namespace TensorGuard.Core.Tests.Compliance;

public sealed class GatePolicyLoaderTests
{
    [Fact]
    public void Load_GateSections_AreRead()
    {
        PolicyDocument policy = GatePolicies.Load("""
            fail-on: warning
            organisation:
              commercial: true
            rules:
              undeclared-base: note
              model-card: off
            models:
              - path: out/**/*.safetensors
                license: apache-2.0
                base-model: mistralai/Mistral-7B-v0.1
                optional: true
            """);

        Assert.Equal(FailOn.Warning, policy.FailOn);
        Assert.Equal(Severity.Note, policy.Rules.SeverityOf(RuleIds.UndeclaredBase));
        Assert.Null(policy.Rules.SeverityOf(RuleIds.ModelCard));
        Assert.Equal(Severity.Error, policy.Rules.SeverityOf(RuleIds.Naming));
        ModelSelection model = Assert.Single(policy.Models);
        Assert.Equal(["mistralai/Mistral-7B-v0.1"], model.BaseModels);
        Assert.True(model.Optional);
        LicenseTerms llama = policy.Licenses.Single(l => l.Id == "llama3.1");
        Assert.Equal("Llama", llama.NamePrefix);
        Assert.Equal(NoticePlace.NoticeFile, llama.Notices[1].Where);
        Assert.Equal(["Built with Qwen", "Improved using Qwen"], policy.Licenses.Single(l => l.Id == "qwen-research").Notices[0].AnyOf);
        Assert.True(policy.Organisation.Commercial);
        Assert.Equal(["meta-llama/Llama-3.1-8B", "meta-llama/Meta-Llama-3.1-8B"], policy.Bases.First().Aliases);
    }

    [Theory]
    [InlineData("rules:\n  namming: warning\n", "did you mean 'naming'?")]
    [InlineData("rules:\n  naming: fatal\n", "must be one of error, warning, note, off")]
    [InlineData("rules:\n  unreadable-artifact: warning\n", "always an error")]
    [InlineData("fail-on: warnings\n", "did you mean 'warning'?")]
    [InlineData("exceptions:\n  - model: x\n    rule: unreadable-artifact\n    reason: r\n", "cannot be excepted")]
    [InlineData("exceptions:\n  - model: x\n    rule: naming\n", "has no 'reason'")]
    [InlineData("exceptions:\n  - model: x\n    rule: naming\n    reason: r\n    expires: 31/12/2026\n", "YYYY-MM-DD")]
    [InlineData("organisation:\n  denied-families: [lama]\n", "did you mean 'llama'?")]
    [InlineData("models:\n  - path: ../outside/*.safetensors\n", "must stay inside the repository")]
    public void Load_InvalidGateSection_NamesLineColumnAndFix(string extra, string expected)
    {
        var error = Assert.Throws<PolicyException>(() => GatePolicies.Load(extra));

        Assert.Contains(expected, error.Message);
        Assert.Matches(@"^policy\.yml:\d+:\d+: ", error.Message);
        Assert.True(error.Position.Line > GatePolicies.Base.Split('\n').Length, "the error points into the appended section");
    }

    [Fact]
    public void Load_BaseWithUndefinedLicense_IsAnError()
    {
        string yaml = GatePolicies.Base.Replace("license: apache-2.0", "license: apache2", StringComparison.Ordinal);

        var error = Assert.Throws<PolicyException>(() => PolicyLoader.Read(YamlTreeReader.Read(yaml, "policy.yml"), "policy.yml", Path.GetTempPath()));

        Assert.Contains("did you mean 'apache-2.0'?", error.Message);
    }
}
