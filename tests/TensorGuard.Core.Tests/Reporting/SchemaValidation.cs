using System.Text.Json;
using Json.Schema;
using TensorGuard.ModelFactory;

namespace TensorGuard.Core.Tests.Reporting;

/// <summary>Validates documents against the JSON schemas committed under docs/ (JsonSchema.Net).</summary>
internal static class SchemaValidation
{
    private static readonly string Schemas = Path.Combine(RepositoryFiles.Root, "docs");

    /// <summary>docs/report.schema.json: the JSON report's schema.</summary>
    public static readonly Lazy<JsonSchema> Report = new(() => JsonSchema.FromFile(Path.Combine(Schemas, "report.schema.json"), new BuildOptions { SchemaRegistry = new SchemaRegistry() }));

    /// <summary>The official CycloneDX 1.6 schema with the SPDX and JSF schemas it refers to, from docs/schemas/cyclonedx.</summary>
    public static readonly Lazy<JsonSchema> CycloneDx = new(() =>
    {
        string folder = Path.Combine(Schemas, "schemas", "cyclonedx");
        var options = new BuildOptions { SchemaRegistry = new SchemaRegistry() };

        // The npm package names the referenced files (and the $refs) *.SNAPSHOT.schema.json while their $id keeps the
        // official name, so each is registered under the name the BOM schema refers to.
        foreach (string name in new[] { "spdx", "jsf-0.82" })
        {
            JsonSchema referenced = JsonSchema.FromFile(Path.Combine(folder, $"{name}.SNAPSHOT.schema.json"), options);
            options.SchemaRegistry.Register(new Uri($"http://cyclonedx.org/schema/{name}.SNAPSHOT.schema.json"), referenced);
        }

        return JsonSchema.FromFile(Path.Combine(folder, "bom-1.6.SNAPSHOT.schema.json"), options);
    });

    /// <summary>Every error the schema finds in <paramref name="json"/>, as "location: message"; empty when valid.</summary>
    public static IReadOnlyList<string> Errors(JsonSchema schema, string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        EvaluationResults results = schema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        return results.IsValid
            ? []
            : (results.Details ?? []).Where(d => d.Errors is { Count: > 0 })
                .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key}: {e.Value}"))
                .DefaultIfEmpty("invalid (no details)")
                .ToArray();
    }
}
