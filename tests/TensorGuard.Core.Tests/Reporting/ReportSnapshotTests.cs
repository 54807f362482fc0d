using System.Text.RegularExpressions;
using Snapshooter.Xunit3;
using TensorGuard.Core.Compliance;
using TensorGuard.Core.Fingerprints.Lineage;
using TensorGuard.Core.Policy;
using TensorGuard.Core.Reporting;
using TensorGuard.Core.Tests.Compliance;

namespace TensorGuard.Core.Tests.Reporting;

public sealed class ReportSnapshotTests
{
    /// <summary>A fixed version and time, so reports that carry them stay comparable.</summary>
    internal static readonly ReportStamp Stamp = new("9.9.9", new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));

    /// <summary>A run with one artifact of every status, an exception applied, and policy messages.</summary>
    internal static CheckResult Sample()
    {
        PolicyDocument policy = GatePolicies.Load("""
            organisation:
              commercial: true
            exceptions:
              - model: demo/legacy-*
                rule: lineage-unverified
                reason: Base sketch to be added in the next release (TICKET-7)
                expires: 2027-03-31
              - model: demo/gone
                rule: naming
                reason: Model removed
            """);
        var evaluator = new ComplianceEvaluator(policy, new DateOnly(2026, 11, 26));
        ArtifactResult[] artifacts =
        [
            evaluator.Evaluate("demo/mistral-support-7b",
                GatePolicies.Declared("Mistral-Support-7B", "apache-2.0", ["mistralai/Mistral-7B-v0.1"]),
                new LineageEvidence(new NearestBase("Mistral-7B-v0.1", "mistral", 0.4, 3.0, Unknown: false),
                [
                    new LineageTest("Llama-3.1-8B", LineageVerdict.NotDerived, 0.041, 0, "p = 10^0.0 under the null of unrelated weights is above 1e-3"),
                    new LineageTest("Mistral-7B-v0.1", LineageVerdict.Derived, 0.993, -6348.53, "p = 10^-6348.5 under the null of unrelated weights (threshold 1e-6)"),
                ])),
            evaluator.Evaluate("demo/acme-assistant-8b",
                GatePolicies.Declared("Acme-Assistant-8B", "apache-2.0", null) with
                {
                    Name = new DeclaredValue<string>("Acme-Assistant-8B", DeclarationSource.Override),
                    ModelCardLines = new Dictionary<string, int> { ["license"] = 2, ["model_name"] = 3 },
                },
                new LineageEvidence(new NearestBase("Mistral-7B-v0.1", "mistral", 2.1, 3.0, Unknown: false),
                    [new LineageTest("Llama-3.1-8B", LineageVerdict.Derived, 0.97, -12)])),
            evaluator.Evaluate("demo/legacy-7b", GatePolicies.Declared("Legacy | <b>7B</b>", "apache-2.0", null),
                new LineageEvidence(new NearestBase("Mistral-7B-v0.1", "mistral", 1.25, 3.5, Unknown: false),
                    [new LineageTest("Mistral-7B-v0.1", LineageVerdict.Inconclusive, 0.21, -4.5)])),
            evaluator.Evaluate("demo/lookalike-8b", GatePolicies.Declared("Lookalike-8B", "apache-2.0", null),
                new LineageEvidence(new NearestBase("Llama-3.1-8B", "llama", 0.9, 3.0, Unknown: false),
                    [new LineageTest("Llama-3.1-8B", LineageVerdict.NotDerived, 0.038, -0.01)])),
            evaluator.Evaluate("demo/qwen-helper-3b", GatePolicies.Declared("Qwen-Helper-3B", "qwen-research", ["Qwen/Qwen2.5-3B"], card: "Improved using Qwen"),
                GatePolicies.DerivedFrom("Qwen2.5-3B", "qwen")),
            ComplianceEvaluator.Unreadable("demo/broken.safetensors", "header length 9999999999 exceeds the file size"),
            ComplianceEvaluator.UnsafePickle("demo/pickled",
                new Core.Formats.PyTorch.UnsafePickleException("demo/pickled/pytorch_model.bin", "archive/data.pkl", "GLOBAL", 29, "os.system")),
        ];
        return evaluator.Complete(artifacts, [new RunMessage(Severity.Note, "'extra/**' (policy models entry at line 3) matched no model artifact; it is optional.")],
            selectionIncomplete: false, FailOn.Error);
    }

    [Fact]
    public void Markdown_Sample_MatchesSnapshot() => Snapshot.Match(MarkdownReport.Render(Sample()));

    [Fact]
    public void Json_Sample_MatchesSnapshot() => Snapshot.Match(JsonReport.Render(Sample(), Stamp));

    [Fact]
    public void Sarif_Sample_MatchesSnapshot() =>
        Snapshot.Match(Regex.Replace(SarifReport.Render(Sample()), "\"semanticVersion\": \"[^\"]*\"", "\"semanticVersion\": \"(scrubbed)\""));

    [Fact]
    public void Sarif_ExceptedFinding_IsSuppressedNotDropped()
    {
        using var sarif = System.Text.Json.JsonDocument.Parse(SarifReport.Render(Sample()));
        System.Text.Json.JsonElement[] results = [.. sarif.RootElement.GetProperty("runs")[0].GetProperty("results").EnumerateArray()];

        System.Text.Json.JsonElement excepted = Assert.Single(results, r => r.TryGetProperty("suppressions", out _));
        Assert.Equal("lineage-unverified", excepted.GetProperty("ruleId").GetString());
        Assert.Equal("Base sketch to be added in the next release (TICKET-7) (expires 2027-03-31)",
            excepted.GetProperty("suppressions")[0].GetProperty("justification").GetString());
        Assert.Equal(results.Length, results.Select(r => r.GetProperty("partialFingerprints").GetProperty(SarifReport.FingerprintKey).GetString()).Distinct().Count());
    }

    [Fact]
    public void RuleCatalog_EveryRule_HasTitleDescriptionAndHelp()
    {
        foreach (string rule in RuleIds.DefaultSeverities.Keys)
        {
            RuleDescription description = RuleCatalog.Describe(rule);
            Assert.Contains(description, RuleCatalog.All);
            Assert.NotEmpty(description.Help);
        }
    }

    [Fact]
    public void Text_Sample_MatchesSnapshot() => Snapshot.Match(TextSummary.Render(Sample()));

    [Fact]
    public void Markdown_HostileName_IsEscaped()
    {
        string markdown = MarkdownReport.Render(Sample());

        Assert.DoesNotContain("<b>", markdown);
        Assert.Contains("Legacy \\| \\<b\\>7B\\</b\\>", markdown);
    }

    [Fact]
    public void Headline_UnreadableArtifact_IsIncompleteNeverPass()
    {
        CheckResult result = Sample();

        Assert.Equal(Verdict.Incomplete, result.Verdict);
        Assert.StartsWith("incomplete: 2 of 7 models could not be analysed", JsonReport.Render(result).Split("\"summary\": \"")[1]);
        Assert.Contains("INCOMPLETE: 2 of 7 models could not be analysed", TextSummary.Render(result));
    }

    [Fact]
    public void Mermaid_Sample_MatchesSnapshot() => Snapshot.Match(MermaidLineage.Render(Sample()));

    [Fact]
    public void Mermaid_Sample_DrawsProofResemblanceAndRefutationDifferently()
    {
        string graph = MermaidLineage.Render(Sample());

        Assert.StartsWith("```mermaid\nflowchart LR\n", graph, StringComparison.Ordinal);
        Assert.Contains("-->|\"derived · similarity 0.993 · p < 1e-6\"| a0", graph, StringComparison.Ordinal);
        Assert.Contains("---|\"resembles · classifier distance 1.25 · inconclusive · similarity 0.210 · p = 3.2e-5\"| a2", graph, StringComparison.Ordinal);
        Assert.Contains("a0[\"demo/mistral-support-7b\"]:::compliant", graph, StringComparison.Ordinal);
        Assert.Contains(":::unreadable", graph, StringComparison.Ordinal);
        Assert.Single(MarkdownReport.Render(Sample()).Split("```mermaid"), part => part.Contains("flowchart", StringComparison.Ordinal));
    }

    /// <summary>The graph of one artifact whose card declares <paramref name="declaredId"/>, which the lineage test refutes.</summary>
    private static string RefutedDeclaration(string declaredId)
    {
        PolicyDocument policy = GatePolicies.Load("organisation:\n  commercial: true\n");
        var evaluator = new ComplianceEvaluator(policy, new DateOnly(2026, 11, 26));
        ArtifactResult artifact = evaluator.Evaluate("demo/claims-llama", GatePolicies.Declared("Llama-Claims", "llama3.1", [declaredId]),
            new LineageEvidence(null, [new LineageTest("Llama-3.1-8B", LineageVerdict.NotDerived, 0.02, 0)]));
        return MermaidLineage.Render(evaluator.Complete([artifact], [], selectionIncomplete: false, FailOn.Error));
    }

    [Fact]
    public void Mermaid_RefutedDeclaredBase_IsDashed() =>
        Assert.Contains("b0 -.->|\"declared · not-derived · similarity 0.020 · p = 1\"| a0", RefutedDeclaration("meta-llama/Llama-3.1-8B"), StringComparison.Ordinal);

    [Fact]
    public void Mermaid_RefutedBaseDeclaredOnlyThroughAnAlias_IsDashedLikeAnyRefutedDeclaration()
    {
        // The Hub's old repository name of Llama 3.1 8B: only the policy's aliases say it is the base Llama-3.1-8B.
        string graph = RefutedDeclaration("meta-llama/Meta-Llama-3.1-8B");

        Assert.Contains("b0 -.->|\"declared · not-derived · similarity 0.020 · p = 1\"| a0", graph, StringComparison.Ordinal);
        Snapshot.Match(graph);
    }

    [Fact]
    public void Mermaid_HostileName_CannotBreakTheGraph()
    {
        CheckResult sample = Sample();
        CheckResult hostile = sample with { Artifacts = [sample.Artifacts[0] with { Path = "demo/x\"]:::base\n```\n<b>|#quot;" }] };

        string graph = MermaidLineage.Render(hostile);

        Assert.DoesNotContain("<b>", graph, StringComparison.Ordinal);
        Assert.Equal(2, graph.Split("```").Length - 1);
        Assert.Contains("a0[\"demo/x#quot;]:::base?#96;#96;#96;?#lt;b#gt;#124;#35;quot;\"]:::compliant", graph, StringComparison.Ordinal);
    }

    [Fact]
    public void Mermaid_ManyArtifacts_FallsBackToTheTable()
    {
        CheckResult sample = Sample();
        ArtifactResult[] many = Enumerable.Range(0, MermaidLineage.MaxArtifacts + 1).Select(i => sample.Artifacts[0] with { Path = $"demo/m{i}" }).ToArray();

        string text = MermaidLineage.Render(sample with { Artifacts = many });

        Assert.DoesNotContain("```mermaid", text, StringComparison.Ordinal);
        Assert.Contains("this run checked 51", text, StringComparison.Ordinal);
    }
}
