using System.Text;
using System.Text.Json;
using TensorGuard.Core.Compliance;
using TensorGuard.Core.Fingerprints.Lineage;

namespace TensorGuard.Core.Reporting;

/// <summary>
/// The machine-readable report (schema <see cref="SchemaId"/>, documented in the README). Field names are stable;
/// new fields may be added, existing ones keep their meaning.
/// </summary>
public static class JsonReport
{
    public const string SchemaId = "tensorguard-check/1";

    /// <summary>Where the JSON Schema of this report is published (<c>docs/report.schema.json</c> in the repository).</summary>
    public const string SchemaUri = "https://raw.githubusercontent.com/tensorguard/action/main/docs/report.schema.json";

    /// <summary>The report stamped with this build's version and the current time.</summary>
    public static string Render(CheckResult result) => Render(result, ReportStamp.Now());

    public static string Render(CheckResult result, ReportStamp stamp)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, JsonSettings.Writer))
        {
            json.WriteStartObject();
            json.WriteString("$schema", SchemaUri);
            json.WriteString("schema", SchemaId);
            json.WriteString("toolVersion", stamp.ToolVersion);
            json.WriteString("generatedAt", stamp.TimestampText);
            json.WriteString("verdict", ReportText.Word(result.Verdict));
            json.WriteString("summary", ReportText.Headline(result));
            json.WriteString("policy", result.Display(result.PolicyPath));
            json.WriteBoolean("bundledPolicy", result.BundledPolicy);
            json.WriteString("failOn", ReportText.Word(result.FailOn));
            json.WriteNumber("violations", result.Violations);
            json.WriteStartObject("families");
            foreach ((string family, int count) in ReportText.Families(result))
            {
                json.WriteNumber(family, count);
            }

            json.WriteEndObject();
            json.WriteStartArray("artifacts");
            foreach (ArtifactResult artifact in result.Artifacts)
            {
                Artifact(json, result, artifact);
            }

            json.WriteEndArray();
            json.WriteStartArray("messages");
            foreach (RunMessage message in result.Messages)
            {
                json.WriteStartObject();
                json.WriteString("severity", ReportText.Word(message.Severity));
                json.WriteString("text", message.Text);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static void Artifact(Utf8JsonWriter json, CheckResult result, ArtifactResult artifact)
    {
        json.WriteStartObject();
        json.WriteString("path", result.Display(artifact.Path));
        json.WriteString("status", ReportText.Word(artifact.Status));
        if (artifact.Change is { } change)
        {
            json.WriteString("change", change.ToString().ToLowerInvariant());
        }
        if (artifact.Declared is { } declared)
        {
            Declared(json, result, declared);
        }
        else
        {
            json.WriteNull("declared");
        }

        if (artifact.Detected is { } detected)
        {
            Detected(json, detected);
        }
        else
        {
            json.WriteNull("detected");
        }

        json.WriteStartArray("findings");
        foreach (Finding finding in artifact.Findings)
        {
            json.WriteStartObject();
            json.WriteString("rule", finding.RuleId);
            json.WriteString("severity", ReportText.Word(finding.Severity));
            json.WriteBoolean("active", finding.IsActive);
            json.WriteString("message", finding.Message);
            json.WriteString("fix", finding.Fix);
            WriteOptional(json, "evidence", finding.Evidence);
            WriteOptional(json, "file", finding.File is { } file ? result.Display(file) : null);
            if (FindingLocation.LineOf(finding) is { } line)
            {
                json.WriteNumber("line", line);
            }
            else
            {
                json.WriteNull("line");
            }

            if (finding.Exemption is { } exemption)
            {
                json.WriteStartObject("exception");
                json.WriteString("reason", exemption.Reason);
                WriteOptional(json, "expires", exemption.Expires?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
                json.WriteNumber("line", exemption.Position.Line);
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        WriteStrings(json, "reminders", artifact.Reminders);
        json.WriteEndObject();
    }

    private static void Declared(Utf8JsonWriter json, CheckResult result, DeclaredIdentity declared)
    {
        json.WriteStartObject("declared");
        json.WriteString("name", declared.Name.Value);
        json.WriteString("nameSource", ReportText.Word(declared.Name.Source));
        WriteOptional(json, "license", declared.License?.Value);
        WriteOptional(json, "licenseSource", declared.License is { } license ? ReportText.Word(license.Source) : null);
        WriteStrings(json, "baseModels", declared.BaseModels?.Value ?? []);
        WriteOptional(json, "baseModelsSource", declared.BaseModels is { } bases ? ReportText.Word(bases.Source) : null);
        WriteOptional(json, "baseModelRelation", declared.BaseModelRelation);
        WriteOptional(json, "modelType", declared.ModelType);
        WriteStrings(json, "architectures", declared.Architectures);
        WriteOptional(json, "modelCard", declared.ModelCardPath is { } card ? result.Display(card) : null);
        WriteStrings(json, "overridden", declared.OverriddenFields().ToArray());
        json.WriteEndObject();
    }

    private static void Detected(Utf8JsonWriter json, DetectedLineage detected)
    {
        json.WriteStartObject("detected");
        json.WriteString("level", ReportText.Word(detected.Level));

        // Kept for readers of tensorguard-check/1 written before evidence levels: derived when proven, nearest for the classifier alone.
        json.WriteString("strength", detected.Level.ProvesDerivation() ? "derived" : detected.Base is not null ? "nearest" : "unknown");
        WriteOptional(json, "family", detected.Family);
        WriteOptional(json, "base", detected.Base?.Name);
        WriteOptional(json, "license", detected.Base?.License);
        json.WriteString("evidence", detected.Evidence);
        if (detected.Source.Nearest is { } nearest)
        {
            json.WriteStartObject("nearest");
            json.WriteString("base", nearest.Base);
            json.WriteString("family", nearest.Family);
            json.WriteNumber("distance", Math.Round(nearest.Distance, 6));
            json.WriteNumber("threshold", Math.Round(nearest.Threshold, 6));
            json.WriteBoolean("unknown", nearest.Unknown);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("nearest");
        }

        json.WriteStartArray("identity");
        foreach (IdentityMatch match in detected.Source.Identity)
        {
            json.WriteStartObject();
            json.WriteString("base", match.Base);
            json.WriteBoolean("complete", match.Complete);
            json.WriteNumber("identicalFiles", match.IdenticalFiles);
            json.WriteNumber("files", match.Files);
            json.WriteNumber("identicalTensors", match.IdenticalTensors);
            json.WriteNumber("tensors", match.Tensors);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("lineage");
        foreach (LineageTest test in detected.Source.Tests)
        {
            json.WriteStartObject();
            json.WriteString("base", test.Base);
            json.WriteString("method", LineageSettings.MethodId);
            json.WriteString("verdict", ReportText.Word(test.Verdict));
            json.WriteNumber("similarity", Math.Round(test.Similarity, 6));
            if (test.Log10PValue is { } log10)
            {
                json.WriteNumber("log10PValue", Math.Round(log10, 4));
                json.WriteString("pValue", ReportText.PValue(test));
            }
            else
            {
                json.WriteNull("log10PValue");
                json.WriteNull("pValue");
            }

            if (test.ZScore is { } z)
            {
                json.WriteNumber("zScore", Math.Round(z, 4));
            }
            else
            {
                json.WriteNull("zScore");
            }

            WriteOptional(json, "reason", test.Reason);

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteOptional(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }

    private static void WriteStrings(Utf8JsonWriter json, string name, IReadOnlyList<string> values)
    {
        json.WriteStartArray(name);
        foreach (string value in values)
        {
            json.WriteStringValue(value);
        }

        json.WriteEndArray();
    }
}
