using System.Text;

namespace TensorGuard.GitHub;

/// <summary>
/// Shortens Markdown to a size limit at a line boundary, closes a code fence or <c>&lt;details&gt;</c> block
/// left open by the cut so the rest still renders, and ends with a notice saying where the full text is.
/// </summary>
public static class MarkdownTruncation
{
    /// <param name="markdown">The full text.</param>
    /// <param name="limit">The largest size allowed, in the units of <paramref name="measure"/>.</param>
    /// <param name="measure">The size of a piece of text (characters for comments, UTF-8 bytes for the job summary).</param>
    /// <param name="notice">Appended after a cut; the cut leaves room for it.</param>
    /// <returns>The text, shortened if needed; empty when not even the notice fits.</returns>
    public static string Shorten(string markdown, int limit, Func<string, int> measure, string notice)
    {
        if (measure(markdown) <= limit)
        {
            return markdown;
        }

        if (measure(notice) + 2 > limit)
        {
            return string.Empty;
        }

        string[] lines = markdown.Split('\n');
        var kept = new StringBuilder();
        int size = 0;
        bool inFence = false;
        int openDetails = 0;
        foreach (string line in lines)
        {
            bool fenceAfter = IsFence(line) ? !inFence : inFence;
            int detailsAfter = Math.Max(0, openDetails + Count(line, "<details") - Count(line, "</details>"));
            int lineSize = measure(line) + 1;
            string closing = Closing(fenceAfter, detailsAfter);
            if (size + lineSize + measure(closing) + measure(notice) + 2 > limit)
            {
                break;
            }

            kept.Append(line).Append('\n');
            size += lineSize;
            inFence = fenceAfter;
            openDetails = detailsAfter;
        }

        return kept.Append(Closing(inFence, openDetails)).Append('\n').Append(notice).Append('\n').ToString();
    }

    private static string Closing(bool inFence, int openDetails)
    {
        var closing = new StringBuilder();
        if (inFence)
        {
            closing.Append("```\n");
        }

        for (int i = 0; i < openDetails; i++)
        {
            closing.Append("\n</details>\n");
        }

        return closing.ToString();
    }

    private static bool IsFence(string line) => line.TrimStart().StartsWith("```", StringComparison.Ordinal);

    private static int Count(string line, string tag)
    {
        int count = 0;
        for (int at = line.IndexOf(tag, StringComparison.OrdinalIgnoreCase); at >= 0; at = line.IndexOf(tag, at + tag.Length, StringComparison.OrdinalIgnoreCase))
        {
            count++;
        }

        return count;
    }
}
