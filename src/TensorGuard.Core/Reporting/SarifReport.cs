using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TensorGuard.Core.Compliance;
using TensorGuard.Core.Policy;

namespace TensorGuard.Core.Reporting;

/// <summary>
/// A SARIF 2.1.0 log for GitHub code scanning (<c>github/codeql-action/upload-sarif</c>): one result per finding,
/// located at the model card or config file, with the rule's description and help, and findings accepted by a policy
/// exception marked as suppressed. Run messages (expired exceptions, patterns that matched nothing) become tool
/// notifications.
/// </summary>
public static class SarifReport
{
    public const string SchemaUri = "https://json.schemastore.org/sarif-2.1.0.json";
    public const string InformationUri = "https://github.com/tensorguard/action";

    /// <summary>The key of our stable per-finding fingerprint, so code scanning tracks an alert across runs.</summary>
    public const string FingerprintKey = "tensorguardFinding/v1";

    public static string Render(CheckResult result)
    {
        string[] ruleIds = result.Artifacts.SelectMany(a => a.Findings).Select(f => f.RuleId)
            .Concat(RuleCatalog.All.Select(r => r.Id))
            .Distinct(StringComparer.Ordinal)
            .ToArray();
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, JsonSettings.Writer))
        {
            json.WriteStartObject();
            json.WriteString("$schema", SchemaUri);
            json.WriteString("version", "2.1.0");
            json.WriteStartArray("runs");
            json.WriteStartObject();
            Tool(json, ruleIds);
            json.WriteStartObject("automationDetails");
            json.WriteString("id", "tensorguard/");
            json.WriteEndObject();
            Invocation(json, result);
            json.WriteStartArray("results");
            foreach (ArtifactResult artifact in result.Artifacts)
            {
                var seen = new Dictionary<string, int>(StringComparer.Ordinal);
                foreach (Finding finding in artifact.Findings)
                {
                    int occurrence = seen[finding.RuleId] = seen.GetValueOrDefault(finding.RuleId) + 1;
                    Result(json, result, artifact, finding, Array.IndexOf(ruleIds, finding.RuleId), occurrence);
                }
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>The SARIF level of a severity.</summary>
    public static string Level(Severity severity) => severity switch
    {
        Severity.Error => "error",
        Severity.Warning => "warning",
        _ => "note",
    };

    private static void Tool(Utf8JsonWriter json, string[] ruleIds)
    {
        json.WriteStartObject("tool");
        json.WriteStartObject("driver");
        json.WriteString("name", "TensorGuard");
        json.WriteString("informationUri", InformationUri);
        json.WriteString("semanticVersion", ReportStamp.CurrentVersion());
        json.WriteStartArray("rules");
        foreach (string id in ruleIds)
        {
            RuleDescription rule = RuleCatalog.Describe(id);
            json.WriteStartObject();
            json.WriteString("id", rule.Id);
            json.WriteString("name", PascalCase(rule.Id));
            json.WriteStartObject("shortDescription");
            json.WriteString("text", rule.Title);
            json.WriteEndObject();
            json.WriteStartObject("fullDescription");
            json.WriteString("text", rule.Description);
            json.WriteEndObject();
            json.WriteStartObject("help");
            json.WriteString("text", rule.Help.Replace("`", string.Empty, StringComparison.Ordinal));
            json.WriteString("markdown", rule.Help);
            json.WriteEndObject();
            json.WriteString("helpUri", $"{InformationUri}#rule-{rule.Id}");
            json.WriteStartObject("defaultConfiguration");
            json.WriteString("level", Level(RuleIds.DefaultSeverities.GetValueOrDefault(id, Severity.Warning)));
            json.WriteEndObject();
            json.WriteStartObject("properties");
            json.WriteStartArray("tags");
            json.WriteStringValue("license-compliance");
            json.WriteStringValue("model-lineage");
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void Invocation(Utf8JsonWriter json, CheckResult result)
    {
        json.WriteStartArray("invocations");
        json.WriteStartObject();
        json.WriteBoolean("executionSuccessful", result.Verdict != Verdict.Incomplete);
        json.WriteStartArray("toolExecutionNotifications");
        foreach (RunMessage message in result.Messages)
        {
            json.WriteStartObject();
            json.WriteString("level", Level(message.Severity));
            json.WriteStartObject("message");
            json.WriteString("text", message.Text);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndArray();
    }

    private static void Result(Utf8JsonWriter json, CheckResult result, ArtifactResult artifact, Finding finding, int ruleIndex, int occurrence)
    {
        string location = FindingLocation.Of(result, artifact, finding);
        string artifactPath = result.Display(artifact.Path);
        json.WriteStartObject();
        json.WriteString("ruleId", finding.RuleId);
        json.WriteNumber("ruleIndex", ruleIndex);
        json.WriteString("level", Level(finding.Severity));
        json.WriteStartObject("message");
        json.WriteString("text", $"{artifactPath}: {finding.Message}. Fix: {finding.Fix}");
        json.WriteEndObject();
        json.WriteStartArray("locations");
        json.WriteStartObject();
        json.WriteStartObject("physicalLocation");
        json.WriteStartObject("artifactLocation");
        json.WriteString("uri", Uri.EscapeDataString(location).Replace("%2F", "/", StringComparison.Ordinal));
        if (!Path.IsPathRooted(location))
        {
            json.WriteString("uriBaseId", "%SRCROOT%");
        }

        json.WriteEndObject();
        if (FindingLocation.LineOf(finding) is { } line)
        {
            json.WriteStartObject("region");
            json.WriteNumber("startLine", line);
            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteStartObject("partialFingerprints");
        json.WriteString(FingerprintKey, Fingerprint(finding.RuleId, artifactPath, location, occurrence));
        json.WriteEndObject();
        if (finding.Exemption is { } exemption)
        {
            json.WriteStartArray("suppressions");
            json.WriteStartObject();
            json.WriteString("kind", "external");
            json.WriteString("status", "accepted");
            string expires = exemption.Expires is { } date ? $" (expires {date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)})" : string.Empty;
            json.WriteString("justification", $"{exemption.Reason}{expires}");
            json.WriteEndObject();
            json.WriteEndArray();
        }

        json.WriteStartObject("properties");
        json.WriteString("artifact", artifactPath);
        json.WriteString("fix", finding.Fix);
        if (finding.Evidence is { } evidence)
        {
            json.WriteString("evidence", evidence);
        }

        if (artifact.Detected is { } detected)
        {
            json.WriteString("evidenceLevel", ReportText.Word(detected.Level));
        }

        if (artifact.Detected?.Test is { } test)
        {
            json.WriteStartObject("lineage");
            json.WriteString("base", test.Base);
            json.WriteString("verdict", ReportText.Word(test.Verdict));
            json.WriteNumber("similarity", Math.Round(test.Similarity, 6));
            json.WriteString("pValue", ReportText.PValue(test));
            json.WriteEndObject();
        }

        if (artifact.Detected?.Source.Nearest is { } nearest)
        {
            json.WriteString("nearestBase", nearest.Base);
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static string Fingerprint(string ruleId, string artifact, string location, int occurrence) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            string.Create(CultureInfo.InvariantCulture, $"{ruleId}\n{artifact}\n{location}\n{occurrence}"))))[..32];

    private static string PascalCase(string id) =>
        string.Concat(id.Split('-', StringSplitOptions.RemoveEmptyEntries).Select(word => char.ToUpperInvariant(word[0]) + word[1..]));
}
