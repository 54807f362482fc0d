using System.Text.Json;
using TensorGuard.Core.Compliance;
using TensorGuard.Core.Policy;
using TensorGuard.Core.Reporting;
using TensorGuard.Core.Tests.Compliance;

namespace TensorGuard.Core.Tests.Reporting;

/// <summary>A run on the bundled default policy says so first in every report; a run on the repository's policy does not.</summary>
public sealed class BundledPolicyReportTests
{
    private static CheckResult Run(bool bundled)
    {
        PolicyDocument policy = GatePolicies.Load() with { Bundled = bundled };
        var evaluator = new ComplianceEvaluator(policy, new DateOnly(2026, 11, 26));
        ArtifactResult artifact = evaluator.Evaluate("models/x", GatePolicies.Declared("Llama-Acme-8B", "llama3.1", ["meta-llama/Llama-3.1-8B"]),
            GatePolicies.DerivedFrom("Llama-3.1-8B", "llama"));
        return evaluator.Complete([artifact], [], selectionIncomplete: false, FailOn.Error);
    }

    [Fact]
    public void Reports_BundledPolicy_SayItInTheirFirstLine()
    {
        CheckResult result = Run(bundled: true);

        Assert.Equal(new PolicyUsed("policy.yml", true), result.Policy);
        Assert.StartsWith("warning: no repository policy found", TextSummary.Render(result).Split('\n')[0], StringComparison.Ordinal);
        Assert.StartsWith("> ⚠️ **Bundled default policy**", MarkdownReport.Render(result).Split('\n')[0], StringComparison.Ordinal);
        using JsonDocument json = JsonDocument.Parse(JsonReport.Render(result));
        Assert.True(json.RootElement.GetProperty("bundledPolicy").GetBoolean());
        using JsonDocument sarif = JsonDocument.Parse(SarifReport.Render(result));
        JsonElement first = sarif.RootElement.GetProperty("runs")[0].GetProperty("invocations")[0].GetProperty("toolExecutionNotifications")[0];
        Assert.Equal("warning", first.GetProperty("level").GetString());
        Assert.Contains("bundled default policy", first.GetProperty("message").GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Reports_RepositoryPolicy_SayNothingAboutTheBundledOne()
    {
        CheckResult result = Run(bundled: false);

        Assert.DoesNotContain("bundled", TextSummary.Render(result), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Bundled", MarkdownReport.Render(result), StringComparison.Ordinal);
        Assert.DoesNotContain(result.Messages, m => m.Text.Contains("bundled", StringComparison.Ordinal));
    }
}
