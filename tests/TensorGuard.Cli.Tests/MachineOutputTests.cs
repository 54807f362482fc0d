using System.Security.Cryptography;
using System.Text.Json;
using TensorGuard.Core.Tests.Reporting;

namespace TensorGuard.Cli.Tests;

/// <summary>Reports as other programs consume them: piped from stdout, validated against their published schemas.</summary>
public sealed class MachineOutputTests(DemoRepository repository) : IClassFixture<DemoRepository>
{
    [Fact]
    public void Check_OutputDashJson_StdoutIsExactlyAValidReportWithRelativePaths()
    {
        CliResult result = repository.Check("demo/superchat-8b", "--format", "json", "--output", "-");

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(SchemaValidation.Errors(SchemaValidation.Report.Value, result.Output));
        using JsonDocument report = JsonDocument.Parse(result.Output);
        Assert.Equal("demo/superchat-8b", report.RootElement.GetProperty("artifacts")[0].GetProperty("path").GetString());
        Assert.DoesNotContain(repository.Root, result.Output, StringComparison.Ordinal);
        Assert.Contains("FAIL", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_OutputDashQuiet_StderrHoldsNothingButErrors()
    {
        CliResult result = repository.Check("demo/superchat-8b", "--format", "sarif", "--output", "-", "--quiet");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(string.Empty, result.Error);
        using JsonDocument sarif = JsonDocument.Parse(result.Output);
        Assert.Equal("2.1.0", sarif.RootElement.GetProperty("version").GetString());
    }

    [Fact]
    public void Check_OutputWithTwoFormats_IsAUsageError()
    {
        CliResult result = repository.Check("demo/superchat-8b", "--format", "json,sarif", "--output", "-");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(string.Empty, result.Output);
        Assert.Contains("--output writes one report", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_CycloneDx_IsAValidBomWithTheWeightsHashAndLineage()
    {
        CliResult result = repository.Check("demo/superchat-8b", "--format", "cyclonedx", "--output", "-", "--no-cache");

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(SchemaValidation.Errors(SchemaValidation.CycloneDx.Value, result.Output));
        using JsonDocument bom = JsonDocument.Parse(result.Output);
        JsonElement model = Assert.Single(bom.RootElement.GetProperty("components").EnumerateArray());
        string[] weights = Directory.GetFiles(Path.Combine(repository.Root, "demo", "superchat-8b"), "*.safetensors").Order(StringComparer.Ordinal).ToArray();
        string[] expected = weights.Select(file => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file)))).ToArray();
        string[] hashes = weights.Length == 1
            ? [model.GetProperty("hashes")[0].GetProperty("content").GetString()!]
            : model.GetProperty("components").EnumerateArray().Select(f => f.GetProperty("hashes")[0].GetProperty("content").GetString()!).ToArray();
        Assert.Equal(expected, hashes);
        JsonElement ancestor = Assert.Single(model.GetProperty("pedigree").GetProperty("ancestors").EnumerateArray());
        Assert.Equal("Llama-3.1-8B", ancestor.GetProperty("name").GetString());
    }

    [Fact]
    public void Check_FolderWithoutCard_FindingPointsAtTheWeightsFile()
    {
        string folder = Path.Combine(repository.Root, $"nocard-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        foreach (string source in Directory.GetFiles(Path.Combine(repository.Root, "demo", "mistral-support-ft")).Where(f => !f.EndsWith("README.md", StringComparison.Ordinal)))
        {
            File.Copy(source, Path.Combine(folder, Path.GetFileName(source)));
        }

        CliResult result = repository.Check(Path.GetFileName(folder), "--format", "json", "--output", "-");

        using JsonDocument report = JsonDocument.Parse(result.Output);
        JsonElement card = report.RootElement.GetProperty("artifacts")[0].GetProperty("findings").EnumerateArray()
            .First(f => f.GetProperty("rule").GetString() == "model-card");
        string file = card.GetProperty("file").GetString()!;
        Assert.StartsWith(Path.GetFileName(folder) + "/", file, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(repository.Root, file)), file);
    }
}
