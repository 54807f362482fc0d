using System.Globalization;
using System.Text;
using TensorGuard.Core.Compliance;
using TensorGuard.Core.Fingerprints.Lineage;

namespace TensorGuard.Core.Reporting;

/// <summary>
/// The GitHub-flavoured Markdown report (pull-request comment, job summary): the verdict first, a table of models,
/// the lineage graph (<see cref="MermaidLineage"/>), then per model what it declares, what was detected, and the findings with how to fix each.
/// </summary>
public static class MarkdownReport
{
    public static string Render(CheckResult result)
    {
        var md = new StringBuilder();
        if (result.BundledPolicy)
        {
            md.Append("> ⚠️ **Bundled default policy**: ").Append(Escape(ComplianceEvaluator.BundledPolicyNotice)).Append("\n\n");
        }

        md.Append("## ").Append(Icon(result.Verdict)).Append(" TensorGuard: ").Append(Escape(ReportText.Headline(result))).Append("\n\n");
        md.Append("| Model | Status | Declared | Detected lineage |\n|---|---|---|---|\n");
        foreach (ArtifactResult artifact in result.Artifacts)
        {
            md.Append("| ").Append(Code(result.Display(artifact.Path)))
              .Append(" | ").Append(Icon(artifact.Status)).Append(' ').Append(ReportText.Word(artifact.Status))
              .Append(" | ").Append(artifact.Declared is { } declared ? Escape(ReportText.Declared(declared)) : "—")
              .Append(" | ").Append(artifact.Detected is { } detected ? Escape(ReportText.Detected(detected)) : "not analysed")
              .Append(" |\n");
        }

        BaseComparison(md, result);
        string graph = MermaidLineage.Render(result);
        if (graph.Length > 0)
        {
            md.Append("\n<details open><summary>Lineage graph</summary>\n\n").Append(graph).Append("\n</details>\n");
        }

        foreach (ArtifactResult artifact in result.Artifacts)
        {
            Artifact(md, result, artifact);
        }

        if (result.Messages.Count > 0)
        {
            md.Append("\n### Policy messages\n\n");
            foreach (RunMessage message in result.Messages)
            {
                md.Append("- **").Append(ReportText.Word(message.Severity)).Append("**: ").Append(Escape(message.Text)).Append('\n');
            }
        }

        md.Append("\n<sub>Policy ").Append(Code(result.Display(result.PolicyPath))).Append(" · fail on ").Append(ReportText.Word(result.FailOn))
          .Append(" · rule ids and fixes: see the TensorGuard README.</sub>\n");
        return md.ToString();
    }

    private static void Artifact(StringBuilder md, CheckResult result, ArtifactResult artifact)
    {
        md.Append("\n### ").Append(Icon(artifact.Status)).Append(' ').Append(Code(result.Display(artifact.Path)))
          .Append(artifact.Change is { } change ? $" ({ChangeText(change)})" : string.Empty).Append("\n\n");
        if (artifact.Declared is { } declared)
        {
            md.Append("- **Declared:** ").Append(Escape(ReportText.Declared(declared))).Append('\n');
            string[] overridden = declared.OverriddenFields().ToArray();
            if (overridden.Length > 0)
            {
                md.Append("- **Overridden** by the command line or policy: ").Append(string.Join(", ", overridden)).Append('\n');
            }
        }

        if (artifact.Detected is { } detected)
        {
            md.Append("- **Detected:** ").Append(Escape(ReportText.Detected(detected))).Append('\n');
            md.Append("- **Evidence level:** ").Append(Code(ReportText.Word(detected.Level))).Append(" — ").Append(Escape(detected.Level.Meaning())).Append('\n');
            md.Append("- **Evidence:** ").Append(Escape(detected.Evidence)).Append('\n');
            LineageDetails(md, detected.Source);
        }

        Finding[] active = artifact.Findings.Where(f => f.IsActive).ToArray();
        if (active.Length > 0)
        {
            md.Append("\n| Severity | Rule | Finding | How to fix |\n|---|---|---|---|\n");
            foreach (Finding finding in active)
            {
                md.Append("| ").Append(ReportText.Word(finding.Severity)).Append(" | ").Append(Code(finding.RuleId))
                  .Append(" | ").Append(Escape(finding.Message))
                  .Append(finding.File is { } file ? $" ({Code(result.Display(file) + (FindingLocation.LineOf(finding) is { } line ? $":{line}" : string.Empty))})" : string.Empty)
                  .Append(" | ").Append(Escape(finding.Fix)).Append(" |\n");
            }
        }
        else if (artifact.Status == ArtifactStatus.Compliant)
        {
            md.Append("\nNo findings: the declared identity agrees with the detected lineage and the policy.\n");
        }

        Finding[] excepted = artifact.Findings.Where(f => !f.IsActive).ToArray();
        if (excepted.Length > 0)
        {
            md.Append("\n<details><summary>").Append(excepted.Length).Append(' ').Append(ReportText.Plural(excepted.Length, "finding"))
              .Append(" accepted by policy exceptions</summary>\n\n");
            foreach (Finding finding in excepted)
            {
                AppliedExemption exemption = finding.Exemption!;
                md.Append("- ").Append(Code(finding.RuleId)).Append(": ").Append(Escape(finding.Message)).Append(" — accepted: ").Append(Escape(exemption.Reason))
                  .Append(exemption.Expires is { } expires ? $" (until {expires:yyyy-MM-dd})" : string.Empty).Append('\n');
            }

            md.Append("\n</details>\n");
        }

        if (artifact.Reminders.Count > 0)
        {
            md.Append("\n<details><summary>License terms a gate cannot check</summary>\n\n");
            foreach (string reminder in artifact.Reminders)
            {
                md.Append("- ").Append(Escape(reminder)).Append('\n');
            }

            md.Append("\n</details>\n");
        }
    }

    /// <summary>Every lineage test and the classifier's answer, folded away: the evidence line already names the decisive one.</summary>
    private static void LineageDetails(StringBuilder md, LineageEvidence evidence)
    {
        if (evidence.Tests.Count == 0 && evidence.Nearest is null)
        {
            return;
        }

        md.Append("\n<details><summary>Lineage evidence: ")
          .Append(evidence.Tests.Count == 0 ? "classifier only, no base carries a lineage sketch" : $"{evidence.Tests.Count} {ReportText.Plural(evidence.Tests.Count, "base")} tested")
          .Append("</summary>\n\n");
        if (evidence.Tests.Count > 0)
        {
            md.Append("| Base | Lineage | Similarity | p-value |\n|---|---|---|---|\n");
            foreach (LineageTest test in evidence.Tests)
            {
                string verdict = test.Verdict.Describe();
                md.Append("| ").Append(Code(test.Base))
                  .Append(" | ").Append(test.Verdict == LineageVerdict.Derived ? $"**{verdict}**" : verdict)
                  .Append(" | ").Append(test.Similarity.ToString("0.000", CultureInfo.InvariantCulture))
                  .Append(" | ").Append(ReportText.PValue(test)).Append(" |\n");
            }

            md.Append('\n').Append(Escape(ReportText.LineageRule)).Append(".\n");
        }

        if (evidence.Nearest is { } nearest)
        {
            md.Append("\nClassifier's nearest base: ").Append(Escape(ReportText.Nearest(nearest))).Append(".\n");
        }

        md.Append("\n</details>\n");
    }

    /// <summary>
    /// Which active findings a pull request brings and which the base branch already has: findings of a model it adds
    /// are new; of a model whose files and policy are unchanged, already on the base branch (the check is
    /// deterministic); of a modified model, either, which the report does not pretend to know.
    /// </summary>
    private static void BaseComparison(StringBuilder md, CheckResult result)
    {
        if (result.Artifacts.All(a => a.Change is null))
        {
            return;
        }

        int Count(ArtifactChange change) => result.Artifacts.Where(a => a.Change == change).Sum(a => a.Findings.Count(f => f.IsActive));
        md.Append("\n**Compared with the base branch:** ")
          .Append(Count(ArtifactChange.Added)).Append(" new ").Append(ReportText.Plural(Count(ArtifactChange.Added), "finding")).Append(" in models this pull request adds · ")
          .Append(Count(ArtifactChange.Modified)).Append(' ').Append(ReportText.Plural(Count(ArtifactChange.Modified), "finding")).Append(" in models it modifies (new, or there before) · ")
          .Append(Count(ArtifactChange.Unchanged)).Append(' ').Append(ReportText.Plural(Count(ArtifactChange.Unchanged), "finding")).Append(" already on the base branch (unchanged models).\n");
    }

    private static string ChangeText(ArtifactChange change) => change switch
    {
        ArtifactChange.Added => "added in this pull request",
        ArtifactChange.Modified => "modified in this pull request",
        _ => "unchanged: findings already on the base branch",
    };

    private static string Icon(Verdict verdict) => verdict switch
    {
        Verdict.Pass => "✅",
        Verdict.Fail => "❌",
        _ => "⚠️",
    };

    private static string Icon(ArtifactStatus status) => status switch
    {
        ArtifactStatus.Compliant => "✅",
        ArtifactStatus.Findings => "🟡",
        ArtifactStatus.Violation => "❌",
        _ => "⚠️",
    };

    /// <summary>Untrusted text made inert in GitHub Markdown: no HTML, no table breaks, no links or mentions.</summary>
    internal static string Escape(string text)
    {
        var escaped = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            switch (c)
            {
                case '\r' or '\n':
                    escaped.Append(' ');
                    break;
                case '\\' or '`' or '*' or '_' or '[' or ']' or '<' or '>' or '|' or '#' or '@' or '!' or '~':
                    escaped.Append('\\').Append(c);
                    break;
                default:
                    escaped.Append(char.IsControl(c) ? '?' : c);
                    break;
            }
        }

        return escaped.ToString();
    }

    /// <summary>Inline code that survives backticks in the text and pipes inside a table.</summary>
    private static string Code(string text)
    {
        string clean = Formats.UntrustedText.Printable(text).Replace('`', '\'').Replace("|", "\\|", StringComparison.Ordinal);
        return $"`{clean}`";
    }
}
