using TensorGuard.Core.Compliance;
using TensorGuard.Core.Fingerprints.Lineage;
using TensorGuard.Core.Policy;

namespace TensorGuard.Core.Tests.Compliance;

/// <summary>What the rules make of declared bases read from the Hub: their card's license against the policy's facts, and bases the policy does not list.</summary>
public sealed class HubBaseComplianceTests
{
    private const string Reference = "hf://acme/base@0123456789abcdef0123456789abcdef01234567";
    private static readonly PolicyDocument Policy = GatePolicies.Load();

    private static ArtifactResult Evaluate(DeclaredIdentity declared, LineageEvidence evidence) =>
        new ComplianceEvaluator(Policy, new DateOnly(2026, 12, 6)).Evaluate("models/x", declared, evidence);

    private static LineageEvidence Read(string id, string name, LineageVerdict? verdict, string? license, string? problem = null) =>
        new(null, verdict is { } v ? [new LineageTest(name, v, v == LineageVerdict.Derived ? 0.97 : 0.01, v == LineageVerdict.Derived ? -40 : -0.1)] : [])
        {
            HubBases = [new HubBaseReading(id, name, problem is null ? Reference : null, license, problem)],
        };

    private static Finding[] Rule(ArtifactResult result, string rule) => result.Findings.Where(f => f.RuleId == rule).ToArray();

    [Fact]
    public void BaseCardLicense_DisagreesWithThePolicy_IsAWarningNamingBothAndThePolicyStillApplies()
    {
        ArtifactResult result = Evaluate(GatePolicies.Declared("Acme-8B", "llama3.1", ["meta-llama/Llama-3.1-8B"]),
            Read("meta-llama/Llama-3.1-8B", "Llama-3.1-8B", LineageVerdict.Derived, "apache-2.0"));

        Finding finding = Assert.Single(Rule(result, RuleIds.BaseLicenseMismatch));
        Assert.Equal(Severity.Warning, finding.Severity);
        Assert.Contains("policy licenses under llama3.1", finding.Message, StringComparison.Ordinal);
        Assert.Contains($"model card at {Reference} declares apache-2.0", finding.Message, StringComparison.Ordinal);
        Assert.Equal("policy.yml", finding.File);
        Assert.Single(Rule(result, RuleIds.Naming));
    }

    [Theory]
    [InlineData("llama3.1")]
    [InlineData("LLAMA3.1")]
    [InlineData("other")]
    [InlineData(null)]
    public void BaseCardLicense_AgreeingOrUnidentified_IsNoFinding(string? card)
    {
        ArtifactResult result = Evaluate(GatePolicies.Declared("Llama-Acme-8B", "llama3.1", ["meta-llama/Llama-3.1-8B"]),
            Read("meta-llama/Llama-3.1-8B", "Llama-3.1-8B", LineageVerdict.Derived, card));

        Assert.Empty(Rule(result, RuleIds.BaseLicenseMismatch));
    }

    [Fact]
    public void UnlistedBase_Derived_IsTheDetectedBaseUnderItsCardsLicense()
    {
        ArtifactResult result = Evaluate(GatePolicies.Declared("Acme-8B", "apache-2.0", ["acme/base"]),
            Read("acme/base", "acme/base", LineageVerdict.Derived, "mit"));

        Assert.Equal(EvidenceLevel.Derived, result.Detected!.Level);
        Assert.Equal("acme/base", result.Detected.Base!.Name);
        Assert.Equal("mit", result.Detected.Base.License);
        Assert.Empty(Rule(result, RuleIds.UnknownLineage));
        Assert.Empty(Rule(result, RuleIds.LicenseUnknown));
        Assert.Empty(Rule(result, RuleIds.LicenseConflict));   // MIT allows relicensing
        Assert.Empty(Rule(result, RuleIds.BaseMismatch));
        Assert.Empty(Rule(result, RuleIds.UndeclaredBase));
    }

    [Fact]
    public void UnlistedBase_DerivedWithoutALicense_IsLicenseUnknownNotACompliantModel()
    {
        ArtifactResult result = Evaluate(GatePolicies.Declared("Acme-8B", "apache-2.0", ["acme/base"]),
            Read("acme/base", "acme/base", LineageVerdict.Derived, license: null));

        Finding finding = Assert.Single(Rule(result, RuleIds.LicenseUnknown));
        Assert.Contains($"the model card of {Reference} declares no license", finding.Message, StringComparison.Ordinal);
        Assert.Empty(Rule(result, RuleIds.LicenseConflict));
    }

    [Theory]
    [InlineData(false, Severity.Error)]
    [InlineData(true, Severity.Warning)]
    public void UnlistedBase_NotDerived_IsBaseMismatchAtMostAWarningForAMerge(bool merge, Severity expected)
    {
        DeclaredIdentity declared = GatePolicies.Declared("Acme-8B", "apache-2.0", merge ? ["acme/base", "acme/other"] : ["acme/base"]);

        ArtifactResult result = Evaluate(declared, Read("acme/base", "acme/base", LineageVerdict.NotDerived, "mit"));

        Finding finding = Assert.Single(Rule(result, RuleIds.BaseMismatch));
        Assert.Equal(expected, finding.Severity);
        Assert.Contains($"as read from the Hub at {Reference}", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnlistedBase_NotDerivedWhileAPolicyBaseIsProven_IsStillBaseMismatch()
    {
        LineageEvidence evidence = GatePolicies.DerivedFrom("Llama-3.1-8B", "llama") with
        {
            Tests = [new LineageTest("Llama-3.1-8B", LineageVerdict.Derived, 0.97, -12), new LineageTest("acme/base", LineageVerdict.NotDerived, 0.01, -0.1)],
            HubBases = [new HubBaseReading("acme/base", "acme/base", Reference, "mit", null)],
        };

        ArtifactResult result = Evaluate(GatePolicies.Declared("Llama-Acme-8B", "llama3.1", ["acme/base"]), evidence);

        Assert.Equal("Llama-3.1-8B", result.Detected!.Base!.Name);
        Assert.Equal(Severity.Error, Assert.Single(Rule(result, RuleIds.BaseMismatch)).Severity);
    }

    [Fact]
    public void UnlistedBase_Unreadable_IsLineageUnverifiedWithTheReason()
    {
        ArtifactResult result = Evaluate(GatePolicies.Declared("Acme-8B", "apache-2.0", ["acme/gated"]),
            Read("acme/gated", "acme/gated", LineageVerdict.Inconclusive, null, "could not be read from the Hub (acme/gated is a gated repository)"));

        Finding finding = Assert.Single(Rule(result, RuleIds.LineageUnverified));
        Assert.Contains("acme/gated, which the policy does not list, and it could not be read from the Hub (acme/gated is a gated repository)", finding.Message, StringComparison.Ordinal);
        Assert.NotEqual(EvidenceLevel.Derived, result.Detected!.Level);
    }
}
