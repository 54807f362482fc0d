using System.Text.Json;
using Snapshooter.Xunit3;
using TensorGuard.Core.Compliance;
using TensorGuard.Core.Reporting;

namespace TensorGuard.Core.Tests.Reporting;

public sealed class CycloneDxReportTests
{
    /// <summary>The sample run with files on two artifacts: one single-file, one sharded, hashed as a check would.</summary>
    private static CheckResult Sample()
    {
        CheckResult result = ReportSnapshotTests.Sample();
        ArtifactResult[] artifacts = [.. result.Artifacts];
        artifacts[0] = artifacts[0] with
        {
            Files = [new ArtifactFile("demo/mistral-support-7b/model.safetensors", 1024, new string('a', 64))],
        };
        artifacts[1] = artifacts[1] with
        {
            Files =
            [
                new ArtifactFile("demo/acme-assistant-8b/model-00001-of-00002.safetensors", 512, new string('b', 64)),
                new ArtifactFile("demo/acme-assistant-8b/model-00002-of-00002.safetensors", 512, new string('c', 64)),
            ],
        };
        return result with { Artifacts = artifacts };
    }

    private static JsonElement Components(JsonDocument bom) => bom.RootElement.GetProperty("components");

    private static string? Property(JsonElement element, string name) =>
        element.TryGetProperty("properties", out JsonElement properties)
            ? properties.EnumerateArray().Where(p => p.GetProperty("name").GetString() == "tensorguard:" + name).Select(p => p.GetProperty("value").GetString()).FirstOrDefault()
            : null;

    [Fact]
    public void Render_Sample_IsValidCycloneDx16()
    {
        Assert.Empty(SchemaValidation.Errors(SchemaValidation.CycloneDx.Value, CycloneDxReport.Render(Sample(), ReportSnapshotTests.Stamp)));
    }

    [Fact]
    public void Validator_BrokenBom_IsRejected()
    {
        // The validation above would mean nothing if the schema accepted anything.
        string broken = CycloneDxReport.Render(Sample(), ReportSnapshotTests.Stamp).Replace("\"machine-learning-model\"", "\"ml-model\"", StringComparison.Ordinal);

        Assert.NotEmpty(SchemaValidation.Errors(SchemaValidation.CycloneDx.Value, broken));
    }

    [Fact]
    public void Render_Sample_OneModelComponentPerArtifactWithHashesAndDeclaredLicense()
    {
        using var bom = JsonDocument.Parse(CycloneDxReport.Render(Sample(), ReportSnapshotTests.Stamp));
        JsonElement[] components = [.. Components(bom).EnumerateArray()];

        Assert.Equal(Sample().Artifacts.Count, components.Length);
        Assert.All(components, c => Assert.Equal("machine-learning-model", c.GetProperty("type").GetString()));
        Assert.Equal(components.Length, components.Select(c => c.GetProperty("bom-ref").GetString()).Distinct().Count());

        JsonElement mistral = components[0];
        Assert.Equal(new string('a', 64), mistral.GetProperty("hashes")[0].GetProperty("content").GetString());
        JsonElement license = mistral.GetProperty("licenses")[0].GetProperty("license");
        Assert.Equal("Apache-2.0", license.GetProperty("id").GetString());
        Assert.Equal("declared", license.GetProperty("acknowledgement").GetString());

        JsonElement[] shards = [.. components[1].GetProperty("components").EnumerateArray()];
        Assert.Equal([new string('b', 64), new string('c', 64)], shards.Select(s => s.GetProperty("hashes")[0].GetProperty("content").GetString()));
    }

    [Fact]
    public void Render_DerivedArtifact_AncestorCarriesEvidenceLevelAndSignificance()
    {
        using var bom = JsonDocument.Parse(CycloneDxReport.Render(Sample(), ReportSnapshotTests.Stamp));
        JsonElement ancestor = Assert.Single(Components(bom)[0].GetProperty("pedigree").GetProperty("ancestors").EnumerateArray());

        Assert.Equal("Mistral-7B-v0.1", ancestor.GetProperty("name").GetString());
        Assert.Equal("derived", Property(ancestor, "evidence-level"));
        Assert.Equal("0.993", Property(ancestor, "similarity"));
        Assert.Equal("< 1e-6", Property(ancestor, "p-value")); // floored at what the null was calibrated for
        Assert.Equal("derived", Property(Components(bom)[0].GetProperty("modelCard"), "evidence-level"));
    }

    [Fact]
    public void Render_ClassifierOnlyOrRefuted_HasNoAncestor()
    {
        using var bom = JsonDocument.Parse(CycloneDxReport.Render(Sample(), ReportSnapshotTests.Stamp));
        JsonElement legacy = Components(bom)[2];    // inconclusive lineage: the classifier's nearest base only
        JsonElement lookalike = Components(bom)[3]; // the lineage test refutes the nearest base

        Assert.False(legacy.TryGetProperty("pedigree", out _));
        Assert.Equal("resembles", Property(legacy.GetProperty("modelCard"), "evidence-level"));
        Assert.Equal("Mistral-7B-v0.1", Property(legacy.GetProperty("modelCard"), "resembles"));
        Assert.False(lookalike.TryGetProperty("pedigree", out _));
        Assert.Equal("not-derived", Property(lookalike.GetProperty("modelCard"), "evidence-level"));
    }

    [Fact]
    public void Render_UnreadableArtifact_IsListedWithoutModelCard()
    {
        using var bom = JsonDocument.Parse(CycloneDxReport.Render(Sample(), ReportSnapshotTests.Stamp));
        JsonElement broken = Components(bom)[5];

        Assert.Equal("unreadable", Property(broken, "status"));
        Assert.False(broken.TryGetProperty("modelCard", out _));
        Assert.Contains("unreadable-artifact", Property(broken, "finding"), StringComparison.Ordinal);
    }

    [Fact]
    public void Render_SameRun_IsByteIdentical() =>
        Assert.Equal(CycloneDxReport.Render(Sample(), ReportSnapshotTests.Stamp), CycloneDxReport.Render(Sample(), ReportSnapshotTests.Stamp));

    [Fact]
    public void Render_Sample_MatchesSnapshot() => Snapshot.Match(CycloneDxReport.Render(Sample(), ReportSnapshotTests.Stamp));
}
