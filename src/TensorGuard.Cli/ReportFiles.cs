using TensorGuard.Core.Compliance;
using TensorGuard.Core.Reporting;

namespace TensorGuard.Cli;

/// <summary>Writes the requested report files of a check into a folder.</summary>
internal static class ReportFiles
{
    public const string BaseName = "tensorguard-report";

    /// <returns>The files written.</returns>
    public static IReadOnlyList<string> Write(CheckResult result, string directory, IReadOnlyList<ReportFormat> formats)
    {
        Directory.CreateDirectory(directory);
        var written = new List<string>();
        foreach (ReportFormat format in formats.Count == 0 ? Commands.ReportOptions.DefaultFormats : formats)
        {
            (string extension, string content) = format switch
            {
                ReportFormat.Markdown => (".md", MarkdownReport.Render(result)),
                ReportFormat.Json => (".json", JsonReport.Render(result)),
                _ => (".sarif", SarifReport.Render(result)),
            };
            string path = Path.Combine(directory, BaseName + extension);
            File.WriteAllText(path, content);
            written.Add(path);
        }

        return written;
    }
}
