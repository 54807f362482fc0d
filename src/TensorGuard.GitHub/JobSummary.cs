using System.Text;

namespace TensorGuard.GitHub;

/// <summary>
/// Appends Markdown to the <c>GITHUB_STEP_SUMMARY</c> file. GitHub refuses a step summary over 1 MiB and shows
/// nothing of it, so a longer report is cut to fit (counting what the step already wrote) with a pointer to
/// the full report.
/// </summary>
public static class JobSummary
{
    /// <summary>GitHub's limit for one step's summary, in bytes.</summary>
    public const int MaxBytes = 1024 * 1024;

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <param name="fullReport">Where the untruncated report can be found, named in the truncation notice.</param>
    public static void Append(string path, string markdown, string fullReport)
    {
        long existing = File.Exists(path) ? new FileInfo(path).Length : 0;
        int budget = (int)Math.Max(0, MaxBytes - existing);
        string notice = $"> [!NOTE]\n> The report was shortened to fit GitHub's 1 MiB job summary limit. The full report is {fullReport}.";
        File.AppendAllText(path, MarkdownTruncation.Shorten(markdown, budget, Utf8.GetByteCount, notice), Utf8);
    }
}
