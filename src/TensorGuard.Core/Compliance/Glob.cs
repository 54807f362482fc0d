using System.Text;
using System.Text.RegularExpressions;

namespace TensorGuard.Core.Compliance;

/// <summary>
/// A path or id pattern: <c>**</c> matches across <c>/</c>, <c>*</c> and <c>?</c> within one segment; matching is
/// case-sensitive for paths (Linux runners) and is anchored at both ends.
/// </summary>
public sealed class Glob
{
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(1);

    private readonly Regex _regex;

    public Glob(string pattern, bool ignoreCase = false)
    {
        Pattern = pattern;
        _regex = new Regex(ToRegex(pattern), RegexOptions.CultureInvariant | RegexOptions.NonBacktracking | (ignoreCase ? RegexOptions.IgnoreCase : 0), MatchTimeout);
    }

    public string Pattern { get; }

    /// <summary>Whether the pattern has wildcards (otherwise it names one path).</summary>
    public static bool HasWildcards(string pattern) => pattern.AsSpan().IndexOfAny('*', '?') >= 0;

    /// <summary>Whether <paramref name="path"/> (with <c>/</c> or the platform separator) matches.</summary>
    public bool IsMatch(string path) => _regex.IsMatch(path.Replace('\\', '/'));

    private static string ToRegex(string pattern)
    {
        var regex = new StringBuilder("^");
        string normalised = pattern.Replace('\\', '/');
        for (int i = 0; i < normalised.Length; i++)
        {
            char c = normalised[i];
            if (c == '*' && i + 1 < normalised.Length && normalised[i + 1] == '*')
            {
                bool wholeSegment = i + 2 < normalised.Length && normalised[i + 2] == '/' && (i == 0 || normalised[i - 1] == '/');
                regex.Append(wholeSegment ? "(?:.*/)?" : ".*");
                i += wholeSegment ? 2 : 1;
            }
            else
            {
                regex.Append(c switch
                {
                    '*' => "[^/]*",
                    '?' => "[^/]",
                    _ => Regex.Escape(c.ToString()),
                });
            }
        }

        return regex.Append('$').ToString();
    }
}
