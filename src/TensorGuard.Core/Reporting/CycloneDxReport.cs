using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TensorGuard.Core.Compliance;
using TensorGuard.Core.Fingerprints.Lineage;
using TensorGuard.Core.Policy;

namespace TensorGuard.Core.Reporting;

/// <summary>
/// A CycloneDX 1.6 ML-BOM (JSON) of a check, for Dependency-Track, the CycloneDX CLI and other SBOM tools: one
/// <c>machine-learning-model</c> component per artifact with its files' SHA-256 hashes, the licenses it declares, a
/// model card with its architecture and TensorGuard's evidence, and the bases the lineage test proved it descends from
/// as <c>pedigree.ancestors</c>, each with its evidence level. A base that only resembles the artifact (classifier
/// only) is not an ancestor: it is recorded as a property, because shape statistics never prove derivation.
/// </summary>
/// <remarks>
/// Written with <see cref="Utf8JsonWriter"/> because no CycloneDX library for .NET is available to this project;
/// tests validate the output against the official 1.6 JSON schema.
/// </remarks>
public static class CycloneDxReport
{
    public const string SchemaUri = "http://cyclonedx.org/schema/bom-1.6.schema.json";
    private const string Prefix = "tensorguard:";

    public static string Render(CheckResult result, ReportStamp stamp)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, JsonSettings.Writer))
        {
            json.WriteStartObject();
            json.WriteString("$schema", SchemaUri);
            json.WriteString("bomFormat", "CycloneDX");
            json.WriteString("specVersion", "1.6");
            json.WriteString("serialNumber", SerialNumber(result, stamp));
            json.WriteNumber("version", 1);
            Metadata(json, result, stamp);
            json.WriteStartArray("components");
            foreach (ArtifactResult artifact in result.Artifacts)
            {
                Component(json, result, artifact);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>A serial number derived from the report's content and time, so the same run always gets the same one.</summary>
    private static string SerialNumber(CheckResult result, ReportStamp stamp)
    {
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(stamp.TimestampText + "\n" + JsonReport.Render(result, stamp)));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80); // version 8: custom (RFC 9562)
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80); // RFC 4122 variant
        string hex = Convert.ToHexStringLower(hash.AsSpan(0, 16));
        return $"urn:uuid:{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..32]}";
    }

    private static void Metadata(Utf8JsonWriter json, CheckResult result, ReportStamp stamp)
    {
        json.WriteStartObject("metadata");
        json.WriteString("timestamp", stamp.TimestampText);
        json.WriteStartObject("tools");
        json.WriteStartArray("components");
        json.WriteStartObject();
        json.WriteString("type", "application");
        json.WriteString("name", "tensorguard");
        json.WriteString("version", stamp.ToolVersion);
        json.WriteStartArray("externalReferences");
        json.WriteStartObject();
        json.WriteString("type", "website");
        json.WriteString("url", SarifReport.InformationUri);
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
        Properties(json, "properties",
        [
            ("verdict", ReportText.Word(result.Verdict)),
            ("summary", ReportText.Headline(result)),
            ("policy", result.Display(result.PolicyPath)),
            ("fail-on", ReportText.Word(result.FailOn)),
        ]);
        json.WriteEndObject();
    }

    private static void Component(Utf8JsonWriter json, CheckResult result, ArtifactResult artifact)
    {
        string path = result.Display(artifact.Path);
        json.WriteStartObject();
        json.WriteString("type", "machine-learning-model");
        json.WriteString("bom-ref", $"artifact:{path}");
        json.WriteString("name", artifact.Declared?.Name.Value ?? path);
        Hashes(json, artifact.Files is [{ Sha256: not null } single] ? [single] : []);
        if (artifact.Declared?.License is { } license)
        {
            Licenses(json, license.Value, artifact.Declared.LicenseLink, "declared");
        }

        if (artifact.Detected is { } detected)
        {
            ModelCard(json, result, artifact, detected);
            Pedigree(json, detected);
        }

        if (artifact.Files.Count > 1)
        {
            // A sharded or multi-file model: each file is a sub-component with its own hash.
            json.WriteStartArray("components");
            foreach (ArtifactFile file in artifact.Files)
            {
                json.WriteStartObject();
                json.WriteString("type", "file");
                json.WriteString("name", result.Display(file.Path));
                Hashes(json, [file]);
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        Properties(json, "properties",
        [
            ("path", path),
            ("status", ReportText.Word(artifact.Status)),
            .. artifact.Files.Count == 1 ? [("file", result.Display(artifact.Files[0].Path))] : Array.Empty<(string, string)>(),
            .. artifact.Findings.Where(f => f.IsActive).Select(f => ("finding", $"{f.RuleId} ({ReportText.Word(f.Severity)}): {f.Message}")),
        ]);
        json.WriteEndObject();
    }

    private static void ModelCard(Utf8JsonWriter json, CheckResult result, ArtifactResult artifact, DetectedLineage detected)
    {
        DeclaredIdentity? declared = artifact.Declared;
        json.WriteStartObject("modelCard");
        if (declared?.ModelType is not null || declared?.Architectures.Count > 0)
        {
            json.WriteStartObject("modelParameters");
            if (declared.ModelType is { } modelType)
            {
                json.WriteString("architectureFamily", modelType);
            }

            if (declared.Architectures.Count > 0)
            {
                json.WriteString("modelArchitecture", declared.Architectures[0]);
            }

            json.WriteEndObject();
        }

        Properties(json, "properties",
        [
            ("evidence-level", detected.Level.Token()),
            ("evidence", detected.Evidence),
            .. detected.Level == EvidenceLevel.Resembles && detected.Base is { } likely ? [("resembles", likely.Name)] : Array.Empty<(string, string)>(),
            .. declared?.ModelCardPath is { } card ? [("model-card", result.Display(card))] : Array.Empty<(string, string)>(),
            .. declared?.BaseModels?.Value.Select(b => ("declared-base-model", b)) ?? [],
            .. declared?.BaseModelRelation is { } relation ? [("declared-base-model-relation", relation)] : Array.Empty<(string, string)>(),
        ]);
        json.WriteEndObject();
    }

    /// <summary>The bases the evidence proves the weights descend from, strongest first.</summary>
    private static void Pedigree(Utf8JsonWriter json, DetectedLineage detected)
    {
        IReadOnlyList<PolicyBase> proven = detected.Level.ProvesDerivation() && detected.Base is { } first
            ? [first, .. detected.MergedFrom]
            : [];
        if (proven.Count == 0)
        {
            return;
        }

        json.WriteStartObject("pedigree");
        json.WriteStartArray("ancestors");
        foreach (PolicyBase ancestor in proven)
        {
            LineageTest? test = detected.Source.Tests.FirstOrDefault(t => string.Equals(t.Base, ancestor.Name, StringComparison.OrdinalIgnoreCase));
            json.WriteStartObject();
            json.WriteString("type", "machine-learning-model");
            json.WriteString("name", ancestor.Name);
            if (ancestor.Version is { } version)
            {
                json.WriteString("version", version);
            }

            if (ancestor.Aliases.FirstOrDefault(IsHubId) is { } hubId)
            {
                json.WriteString("purl", $"pkg:huggingface/{hubId}");
            }

            if (ancestor.License is { } license)
            {
                Licenses(json, license, link: null, "concluded");
            }

            Properties(json, "properties",
            [
                ("evidence-level", test is null ? detected.Level.Token() : EvidenceLevels.Of(test).Token()),
                ("family", ancestor.FamilyId),
                .. test is null ? Array.Empty<(string, string)>() :
                [
                    ("method", LineageSettings.MethodId),
                    ("similarity", test.Similarity.ToString("0.000", CultureInfo.InvariantCulture)),
                    ("p-value", ReportText.PValue(test)),
                ],
            ]);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteString("notes", detected.Evidence);
        json.WriteEndObject();
    }

    private static void Hashes(Utf8JsonWriter json, IReadOnlyList<ArtifactFile> files)
    {
        if (files.Count == 0 || files[0].Sha256 is not { } sha256)
        {
            return;
        }

        json.WriteStartArray("hashes");
        json.WriteStartObject();
        json.WriteString("alg", "SHA-256");
        json.WriteString("content", sha256);
        json.WriteEndObject();
        json.WriteEndArray();
    }

    private static void Licenses(Utf8JsonWriter json, string license, string? link, string acknowledgement)
    {
        json.WriteStartArray("licenses");
        json.WriteStartObject();
        json.WriteStartObject("license");
        if (SpdxLicenses.Find(license) is { } spdx)
        {
            json.WriteString("id", spdx);
        }
        else
        {
            json.WriteString("name", license);
        }

        json.WriteString("acknowledgement", acknowledgement);
        if (link is not null && Uri.TryCreate(link, UriKind.Absolute, out _))
        {
            json.WriteString("url", link);
        }

        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndArray();
    }

    private static void Properties(Utf8JsonWriter json, string name, IReadOnlyList<(string Name, string Value)> properties)
    {
        json.WriteStartArray(name);
        foreach ((string key, string value) in properties)
        {
            json.WriteStartObject();
            json.WriteString("name", Prefix + key);
            json.WriteString("value", value);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    /// <summary>A Hugging Face repository id (<c>owner/name</c>) that a package URL can carry unencoded.</summary>
    private static bool IsHubId(string alias)
    {
        string[] parts = alias.Split('/');
        return parts.Length == 2 && parts.All(part => part.Length > 0 && part.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'));
    }
}
