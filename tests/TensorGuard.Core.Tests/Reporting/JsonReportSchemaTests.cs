using System.Text.Json;
using TensorGuard.Core.Reporting;

namespace TensorGuard.Core.Tests.Reporting;

public sealed class JsonReportSchemaTests
{
    [Fact]
    public void Render_Sample_IsValidAgainstPublishedSchema() =>
        Assert.Empty(SchemaValidation.Errors(SchemaValidation.Report.Value, JsonReport.Render(ReportSnapshotTests.Sample(), ReportSnapshotTests.Stamp)));

    [Fact]
    public void Validator_WrongVerdict_IsRejected()
    {
        string report = JsonReport.Render(ReportSnapshotTests.Sample(), ReportSnapshotTests.Stamp)
            .Replace("\"verdict\": \"incomplete\"", "\"verdict\": \"ok\"", StringComparison.Ordinal);

        Assert.NotEmpty(SchemaValidation.Errors(SchemaValidation.Report.Value, report));
    }

    [Fact]
    public void Render_CarriesSchemaVersionAndTimestamp()
    {
        using var report = JsonDocument.Parse(JsonReport.Render(ReportSnapshotTests.Sample(), ReportSnapshotTests.Stamp));

        Assert.Equal(JsonReport.SchemaUri, report.RootElement.GetProperty("$schema").GetString());
        Assert.Equal("9.9.9", report.RootElement.GetProperty("toolVersion").GetString());
        Assert.Equal("2026-11-26T12:00:00Z", report.RootElement.GetProperty("generatedAt").GetString());
    }

    [Fact]
    public void Schema_Id_IsTheUriReportsName()
    {
        using JsonDocument schema = JsonDocument.Parse(File.ReadAllText(Path.Combine(ModelFactory.RepositoryFiles.Root, "docs", "report.schema.json")));

        Assert.Equal(JsonReport.SchemaUri, schema.RootElement.GetProperty("$id").GetString());
    }
}
