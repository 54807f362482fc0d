using TensorGuard.Core.Compliance;
using TensorGuard.Core.Reporting;

namespace TensorGuard.Cli;

/// <summary>Renders and writes the requested report files of a check.</summary>
internal static class ReportFiles
{
    public const string BaseName = "tensorguard-report";

    /// <returns>The files written.</returns>
    public static IReadOnlyList<string> Write(CheckResult result, string directory, IReadOnlyList<ReportFormat> formats)
    {
        Directory.CreateDirectory(directory);
        ReportStamp stamp = ReportStamp.Now();
        var written = new List<string>();
        foreach (ReportFormat format in formats.Count == 0 ? Commands.ReportOptions.DefaultFormats : formats)
        {
            string path = Path.Combine(directory, BaseName + Extension(format));
            File.WriteAllText(path, Render(result, format, stamp));
            written.Add(path);
        }

        return written;
    }

    /// <summary>One report as text.</summary>
    public static string Render(CheckResult result, ReportFormat format, ReportStamp stamp) => format switch
    {
        ReportFormat.Markdown => MarkdownReport.Render(result),
        ReportFormat.Json => JsonReport.Render(result, stamp),
        ReportFormat.Sarif => SarifReport.Render(result),
        _ => CycloneDxReport.Render(result, stamp),
    };

    private static string Extension(ReportFormat format) => format switch
    {
        ReportFormat.Markdown => ".md",
        ReportFormat.Json => ".json",
        ReportFormat.Sarif => ".sarif",
        _ => ".cdx.json",
    };
}
