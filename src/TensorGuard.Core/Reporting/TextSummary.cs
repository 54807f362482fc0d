using TensorGuard.Core.Compliance;
using TensorGuard.Core.Formats;

namespace TensorGuard.Core.Reporting;

/// <summary>The concise human summary <c>tensorguard check</c> prints on the console.</summary>
public static class TextSummary
{
    public static string Render(CheckResult result)
    {
        using var output = new StringWriter { NewLine = "\n" };
        if (result.BundledPolicy)
        {
            output.WriteLine($"warning: {ComplianceEvaluator.BundledPolicyNotice}");
        }

        output.WriteLine($"TensorGuard check · policy {result.Display(result.PolicyPath)} · fail on {ReportText.Word(result.FailOn)}");
        foreach (ArtifactResult artifact in result.Artifacts)
        {
            output.WriteLine();
            output.WriteLine($"{Mark(artifact.Status)} {UntrustedText.Printable(result.Display(artifact.Path))}  {ReportText.Word(artifact.Status).ToUpperInvariant()}");
            if (artifact.Declared is { } declared)
            {
                output.WriteLine($"    declared  {ReportText.Declared(declared)}");
            }

            if (artifact.Detected is { } detected)
            {
                output.WriteLine($"    detected  {ReportText.Detected(detected)}");
                output.WriteLine($"              {detected.Evidence}");
                foreach (LineageTest test in detected.Source.Tests)
                {
                    output.WriteLine($"    lineage   {ReportText.Test(test)}");
                }
            }

            foreach (Finding finding in artifact.Findings)
            {
                string severity = finding.IsActive ? ReportText.Word(finding.Severity) : "excepted";
                output.WriteLine($"    {severity,-8} {finding.RuleId}: {finding.Message}");
                output.WriteLine(finding.IsActive
                    ? $"             fix: {finding.Fix}"
                    : $"             accepted by the policy: {finding.Exemption!.Reason}");
            }
        }

        if (result.Messages.Count > 0)
        {
            output.WriteLine();
            foreach (RunMessage message in result.Messages)
            {
                output.WriteLine($"{ReportText.Word(message.Severity)}: {message.Text}");
            }
        }

        output.WriteLine();
        string headline = ReportText.Headline(result);
        int colon = headline.IndexOf(':', StringComparison.Ordinal);
        output.WriteLine(headline[..colon].ToUpperInvariant() + headline[colon..]);
        return output.ToString();
    }

    private static string Mark(ArtifactStatus status) => status switch
    {
        ArtifactStatus.Compliant => "✓",
        ArtifactStatus.Findings => "!",
        _ => "✗",
    };
}
