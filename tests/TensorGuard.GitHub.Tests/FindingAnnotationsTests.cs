using Snapshooter.Xunit3;
using TensorGuard.Core.Compliance;
using TensorGuard.Core.Policy;

namespace TensorGuard.GitHub.Tests;

public sealed class FindingAnnotationsTests
{
    private static readonly string Root = Path.Combine(Path.GetTempPath(), "repository");

    private static string InRepository(string relative) => Path.Combine(Root, relative);

    /// <summary>A card finding with a line, one without, an excepted one, an unreadable artifact and a run message.</summary>
    private static CheckResult Sample()
    {
        var declared = new DeclaredIdentity
        {
            Name = new DeclaredValue<string>("Acme-Chat", DeclarationSource.ModelCard),
            ModelCardPath = InRepository("models/acme-chat/README.md"),
        };
        Finding[] findings =
        [
            new(RuleIds.LicenseConflict, Severity.Error, "declares license apache-2.0, but its weights derive from Llama-3.1-8B", "Declare license: llama3.1.",
                "lineage: derived from Llama-3.1-8B (similarity 0.999, p = 1.1e-22878)", declared.ModelCardPath) { Line = 2 },
            new(RuleIds.NoticeMissing, Severity.Error, "\"Built with Llama\" is missing", "Add it to the model card.", null, declared.ModelCardPath),
            new(RuleIds.UndeclaredBase, Severity.Warning, "declares no base model", "Declare base_model.", null, declared.ModelCardPath)
            {
                Exemption = new AppliedExemption("TICKET-1", null, new SourcePosition(3, 5)),
            },
        ];
        ArtifactResult[] artifacts =
        [
            new(InRepository("models/acme-chat"), declared, null, findings, [], ArtifactStatus.Violation),
            ComplianceEvaluator.Unreadable(InRepository("models/broken.safetensors"), "header is not JSON"),
        ];
        return new CheckResult(InRepository("tensorguard.yml"), Root, FailOn.Error, artifacts,
            [new RunMessage(Severity.Warning, "tensorguard.yml:9:5: the exception for naming on 'gone/*' matched no finding")], Verdict.Incomplete);
    }

    [Fact]
    public void From_Sample_MatchesSnapshot() =>
        Snapshot.Match(string.Join('\n', FindingAnnotations.From(Sample()).Select(WorkflowCommands.Format)));

    [Fact]
    public void From_FindingWithACardLine_PointsAtThatLineAndOthersAtTheFileOnly()
    {
        Annotation[] annotations = [.. FindingAnnotations.From(Sample())];

        Assert.Equal(2, Assert.Single(annotations, a => a.Title!.Contains("license-conflict", StringComparison.Ordinal)).Line);
        Assert.Null(Assert.Single(annotations, a => a.Title!.Contains("notice-missing", StringComparison.Ordinal)).Line);
        Assert.DoesNotContain(annotations, a => a.Title!.Contains("undeclared-base", StringComparison.Ordinal));
        Assert.Equal("models/broken.safetensors", Assert.Single(annotations, a => a.Title!.Contains("unreadable-artifact", StringComparison.Ordinal)).File);
    }

    [Fact]
    public void From_BundledPolicy_IsTheFirstAnnotationAWarningOfItsOwnAndNotRepeated()
    {
        CheckResult sample = Sample();
        CheckResult bundled = sample with
        {
            Messages = [new RunMessage(Severity.Warning, ComplianceEvaluator.BundledPolicyNotice), .. sample.Messages],
            BundledPolicy = true,
        };

        Annotation[] annotations = [.. FindingAnnotations.From(bundled)];

        Assert.Equal(new Annotation(AnnotationLevel.Warning, ComplianceEvaluator.BundledPolicyNotice, FindingAnnotations.BundledPolicyTitle), annotations[0]);
        Assert.Single(annotations, a => a.Message == ComplianceEvaluator.BundledPolicyNotice);
        Assert.DoesNotContain(FindingAnnotations.From(sample), a => a.Title == FindingAnnotations.BundledPolicyTitle);
    }
}
