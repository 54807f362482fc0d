using System.Text.RegularExpressions;

namespace TensorGuard.GitHub.Comments;

/// <summary>
/// The text of TensorGuard's pull-request comment: a hidden HTML marker that finds the comment again and
/// records its state, an optional "resolved" banner, then the report, shortened to GitHub's limit.
/// </summary>
public static partial class CommentBody
{
    /// <summary>GitHub rejects comment bodies longer than this many characters.</summary>
    public const int MaxLength = 65_536;

    /// <summary>Starts every TensorGuard comment; a comment that merely quotes it does not start with it.</summary>
    public const string MarkerPrefix = "<!-- tensorguard-report";

    /// <summary>Margin under the limit, for GitHub counting characters differently from UTF-16 length.</summary>
    private const int Margin = 512;

    /// <param name="report">The Markdown report.</param>
    /// <param name="commit">The commit checked, named in the resolved banner.</param>
    /// <param name="fullReport">Where the full report is, named when the report is shortened (the run's job summary).</param>
    public static string Compose(CommentState state, string report, string? commit, string fullReport)
    {
        string header = $"{MarkerPrefix} state={state.ToString().ToLowerInvariant()} -->\n";
        if (state == CommentState.Resolved)
        {
            string at = commit is null ? string.Empty : $" as of {commit}";
            header += $"> [!TIP]\n> **Resolved:** the findings this comment reported earlier are fixed{at}.\n\n";
        }

        string notice = $"> [!NOTE]\n> This comment was shortened to fit GitHub's comment size limit. The full report is {fullReport}.";
        return header + MarkdownTruncation.Shorten(report, MaxLength - Margin - header.Length, text => text.Length, notice);
    }

    /// <summary>Whether a comment body is one of TensorGuard's.</summary>
    public static bool IsOurs(string? body) => body?.StartsWith(MarkerPrefix, StringComparison.Ordinal) == true;

    /// <summary>The state recorded in one of our comments; an unreadable marker counts as failing, so it gets resolved.</summary>
    public static CommentState StateOf(string body) =>
        StateMarker().Match(body) is { Success: true } match
            && Enum.TryParse(match.Groups["state"].Value, ignoreCase: true, out CommentState state)
            ? state
            : CommentState.Failing;

    [GeneratedRegex(@"\A<!-- tensorguard-report state=(?<state>[a-z]+) -->")]
    private static partial Regex StateMarker();
}
