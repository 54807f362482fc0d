using TensorGuard.Core.Compliance;
using TensorGuard.Core.Policy;
using TensorGuard.Core.Reporting;

namespace TensorGuard.GitHub;

/// <summary>
/// The annotations of a check: one per active finding with its evidence, at the file and line where it is fixed
/// (model card or config), and one per run message. Findings accepted by a policy exception are in the reports,
/// not annotated. A run on the bundled default policy is announced first, in a warning of its own: GitHub shows only
/// the first ten warnings of a step, and a pass on a policy the repository never wrote must not go unnoticed.
/// </summary>
public static class FindingAnnotations
{
    public const string BundledPolicyTitle = "TensorGuard bundled default policy";

    public static IEnumerable<Annotation> From(CheckResult result)
    {
        if (result.BundledPolicy)
        {
            yield return new Annotation(AnnotationLevel.Warning, ComplianceEvaluator.BundledPolicyNotice, BundledPolicyTitle);
        }

        foreach (ArtifactResult artifact in result.Artifacts)
        {
            foreach (Finding finding in artifact.Findings.Where(f => f.IsActive))
            {
                yield return new Annotation(
                    Level(finding.Severity),
                    $"{result.Display(artifact.Path)}: {finding.Message}.{(finding.Evidence is { } evidence ? $" Evidence: {evidence}." : string.Empty)} Fix: {finding.Fix}",
                    $"TensorGuard {finding.RuleId}: {RuleCatalog.Describe(finding.RuleId).Title}",
                    FindingLocation.Of(result, artifact, finding),
                    FindingLocation.LineOf(finding));
            }
        }

        foreach (RunMessage message in result.Messages.Where(m => m.Text != ComplianceEvaluator.BundledPolicyNotice))
        {
            yield return new Annotation(Level(message.Severity), message.Text, "TensorGuard policy");
        }
    }

    private static AnnotationLevel Level(Severity severity) => severity switch
    {
        Severity.Error => AnnotationLevel.Error,
        Severity.Warning => AnnotationLevel.Warning,
        _ => AnnotationLevel.Notice,
    };
}
