using TensorGuard.Core.Compliance;
using TensorGuard.Core.Policy;

namespace TensorGuard.Core.Tests.Compliance;

/// <summary>Which artifacts an exception's <c>model</c> names, when it is called unused, and the <c>license-unknown</c> rule.</summary>
public sealed class ExceptionAndLicenseUnknownTests
{
    private static readonly DateOnly Today = new(2026, 11, 26);
    private static readonly string Root = Path.Combine(Path.GetTempPath(), "tensorguard-exceptions-repo");
    private static readonly string Artifact = Path.Combine(Root, "out", "legacy-7b", "model.safetensors");

    private static PolicyDocument Policy(string extra) =>
        PolicyLoader.Read(YamlTreeReader.Read(GatePolicies.Base + "\n" + extra, "policy.yml"), "policy.yml", Root);

    private static CheckResult Check(PolicyDocument policy, DeclaredIdentity declared, bool everyModelChecked = true, string path = "")
    {
        var evaluator = new ComplianceEvaluator(policy, Today);
        ArtifactResult artifact = evaluator.Evaluate(path.Length > 0 ? path : Artifact, declared, GatePolicies.DerivedFrom("Llama-3.1-8B", "llama"));
        return evaluator.Complete([artifact], [], selectionIncomplete: false, FailOn.Error, everyModelChecked);
    }

    private static DeclaredIdentity Misnamed() => GatePolicies.Declared("Acme-Legacy-7B", "llama3.1", ["meta-llama/Llama-3.1-8B"],
        card: "Built with Llama", notice: "Llama 3.1 is licensed under the Llama 3.1 Community License");

    [Theory]
    [InlineData("out/legacy-*")]                       // repository-relative folder glob, as the README writes it
    [InlineData("out/legacy-7b/model.safetensors")]    // repository-relative file
    [InlineData("out/**")]                             // across folders
    [InlineData("acme-legacy-*")]                      // model name, any case
    public void Exception_RelativeFormsAndNames_ApplyToTheArtifact(string pattern)
    {
        CheckResult result = Check(Policy($"exceptions:\n  - model: \"{pattern}\"\n    rule: naming\n    reason: TICKET-1\n"), Misnamed());

        Assert.False(result.Artifacts.Single().Findings.Single(f => f.RuleId == RuleIds.Naming).IsActive);
        Assert.Equal(Verdict.Pass, result.Verdict);
        Assert.DoesNotContain(result.Messages, m => m.Text.Contains("matched no finding", StringComparison.Ordinal));
    }

    [Fact]
    public void Exception_AbsolutePath_AppliesToTheArtifact()
    {
        string pattern = Path.Combine(Root, "out", "legacy-*").Replace('\\', '/');
        CheckResult result = Check(Policy($"exceptions:\n  - model: \"{pattern}\"\n    rule: naming\n    reason: TICKET-1\n"), Misnamed());

        Assert.Equal(Verdict.Pass, result.Verdict);
    }

    [Fact]
    public void Exception_RelativeArtifactPath_IsResolvedAgainstTheRepositoryRoot()
    {
        CheckResult result = Check(Policy("exceptions:\n  - model: \"out/legacy-*\"\n    rule: naming\n    reason: TICKET-1\n"), Misnamed(), path: "out/legacy-7b");

        Assert.Equal(Verdict.Pass, result.Verdict);
    }

    [Theory]
    [InlineData("out/other-*")]
    [InlineData("legacy-*")]       // a folder name alone is not the path from the root
    [InlineData("Acme-Chat-*")]
    public void Exception_OtherPatterns_DoNotApply(string pattern)
    {
        CheckResult result = Check(Policy($"exceptions:\n  - model: \"{pattern}\"\n    rule: naming\n    reason: TICKET-1\n"), Misnamed());

        Assert.Equal(Verdict.Fail, result.Verdict);
        Assert.Contains(result.Messages, m => m.Text.Contains("matched no finding", StringComparison.Ordinal));
    }

    [Fact]
    public void Exception_UnusedInARunOnSomeModels_IsNotCalledUnused()
    {
        CheckResult result = Check(Policy("exceptions:\n  - model: \"out/other-*\"\n    rule: naming\n    reason: TICKET-1\n"), Misnamed(), everyModelChecked: false);

        Assert.DoesNotContain(result.Messages, m => m.Text.Contains("matched no finding", StringComparison.Ordinal));
    }

    [Fact]
    public void Exception_ForAnArtifactThatWasNotAnalysed_IsNotCalledUnused()
    {
        PolicyDocument policy = Policy("exceptions:\n  - model: \"out/legacy-*\"\n    rule: naming\n    reason: TICKET-1\n");
        var evaluator = new ComplianceEvaluator(policy, Today);

        CheckResult result = evaluator.Complete([ComplianceEvaluator.Unreadable(Artifact, "truncated")], [], selectionIncomplete: false, FailOn.Error);

        Assert.DoesNotContain(result.Messages, m => m.Text.Contains("matched no finding", StringComparison.Ordinal));
        Assert.Equal(Verdict.Incomplete, result.Verdict);
    }

    [Fact]
    public void LicenseUnknown_DeclaredLicenseThePolicyDoesNotKnow_IsAnErrorForACommercialOrganisation()
    {
        DeclaredIdentity declared = GatePolicies.Declared("Llama-Acme-8B", "cc-by-nc-4.0", ["meta-llama/Llama-3.1-8B"],
            card: "Built with Llama", notice: "Llama 3.1 is licensed under the Llama 3.1 Community License");

        CheckResult result = Check(Policy("organisation:\n  commercial: true\n"), declared);

        Finding finding = result.Artifacts.Single().Findings.Single(f => f.RuleId == RuleIds.LicenseUnknown);
        Assert.Equal(Severity.Error, finding.Severity);
        Assert.Contains("cc-by-nc-4.0", finding.Message, StringComparison.Ordinal);
        Assert.Equal(Verdict.Fail, result.Verdict);
    }

    [Fact]
    public void LicenseUnknown_NoLicenseDeclared_IsAFinding()
    {
        DeclaredIdentity declared = GatePolicies.Declared("Llama-Acme-8B", null, ["meta-llama/Llama-3.1-8B"],
            card: "Built with Llama", notice: "Llama 3.1 is licensed under the Llama 3.1 Community License");

        CheckResult result = Check(Policy("organisation:\n  commercial: true\n"), declared);

        Finding finding = result.Artifacts.Single().Findings.Single(f => f.RuleId == RuleIds.LicenseUnknown);
        Assert.Contains("declares no license", finding.Message, StringComparison.Ordinal);
        Assert.Equal(Verdict.Fail, result.Verdict);
    }

    [Theory]
    [InlineData("organisation:\n  commercial: false\n", Severity.Warning)]
    [InlineData("organisation:\n  commercial: true\nrules:\n  license-unknown: warning\n", Severity.Warning)]
    [InlineData("rules:\n  license-unknown: error\n", Severity.Error)]
    public void LicenseUnknown_Severity_FollowsThePolicy(string extra, Severity expected)
    {
        DeclaredIdentity declared = GatePolicies.Declared("Llama-Acme-8B", "zz-private", ["meta-llama/Llama-3.1-8B"]);

        CheckResult result = Check(Policy(extra), declared);

        Assert.Equal(expected, result.Artifacts.Single().Findings.Single(f => f.RuleId == RuleIds.LicenseUnknown).Severity);
    }

    [Fact]
    public void LicenseUnknown_KnownLicense_IsNoFinding()
    {
        CheckResult result = Check(Policy("organisation:\n  commercial: true\n"), Misnamed());

        Assert.DoesNotContain(result.Artifacts.Single().Findings, f => f.RuleId == RuleIds.LicenseUnknown);
    }
}
