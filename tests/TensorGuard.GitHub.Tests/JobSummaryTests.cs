using System.Text;
using TensorGuard.GitHub;

namespace TensorGuard.GitHub.Tests;

public sealed class JobSummaryTests : IDisposable
{
    private readonly string path = Path.Combine(Path.GetTempPath(), $"summary-{Guid.NewGuid():N}.md");

    public void Dispose() => File.Delete(path);

    [Fact]
    public void Append_ShortReport_IsWrittenVerbatimAfterEarlierContent()
    {
        File.WriteAllText(path, "# earlier step output\n");

        JobSummary.Append(path, "## TensorGuard\n✅ passed\n", "in report.md");

        Assert.Equal("# earlier step output\n## TensorGuard\n✅ passed\n", File.ReadAllText(path));
    }

    [Fact]
    public void Append_ReportOverOneMebibyte_IsCutToFitWithANotice()
    {
        File.WriteAllText(path, new string('x', 1000) + "\n");
        var report = new StringBuilder("## Report\n<details><summary>evidence</summary>\n\n```text\n");
        while (report.Length < 2 * JobSummary.MaxBytes)
        {
            report.Append("Ünïcode evidence line that takes more bytes than characters\n");
        }

        report.Append("```\n</details>\n");

        JobSummary.Append(path, report.ToString(), "in tensorguard-report/report.md");

        string written = File.ReadAllText(path);
        Assert.InRange(new FileInfo(path).Length, JobSummary.MaxBytes - 4096, JobSummary.MaxBytes);
        Assert.EndsWith("The full report is in tensorguard-report/report.md.\n", written);
        Assert.Contains("```\n\n</details>\n", written);
    }

    [Fact]
    public void Append_SummaryAlreadyFull_AddsNothing()
    {
        File.WriteAllText(path, new string('x', JobSummary.MaxBytes));

        JobSummary.Append(path, "more", "elsewhere");

        Assert.Equal(JobSummary.MaxBytes, new FileInfo(path).Length);
    }

    [Fact]
    public void Shorten_CutInsideNestedDetails_ClosesEachOpenBlock()
    {
        string markdown = "a\n<details>\n<details>\nline\nline\nline\nline\n</details>\n</details>\n";

        string shortened = MarkdownTruncation.Shorten(markdown, 60, s => s.Length, "N");

        Assert.Equal("a\n<details>\n<details>\nline\nline\n\n</details>\n\n</details>\n\nN\n", shortened);
        Assert.True(shortened.Length <= 60);
    }

    [Fact]
    public void Shorten_WithinLimit_ReturnsTheSameText()
    {
        const string markdown = "short\n";

        Assert.Same(markdown, MarkdownTruncation.Shorten(markdown, 100, s => s.Length, "N"));
    }
}
