using System.Text;
using System.Text.RegularExpressions;
using TensorGuard.ModelFactory;

namespace TensorGuard.Cli.Tests;

/// <summary>
/// The shell commands the README shows, read the way a reader pastes them: fenced <c>bash</c> blocks of one
/// section, continuation lines joined, comments dropped, each command split into words as the shell would
/// (single and double quotes; no expansion, which the caller does where it needs to).
/// </summary>
internal static partial class ReadmeCommands
{
    private static string Readme => File.ReadAllText(Path.Combine(RepositoryFiles.Root, "README.md")).ReplaceLineEndings("\n");

    /// <summary>The text of the <c>## heading</c> section, up to the next heading of the same level.</summary>
    public static string Section(string heading)
    {
        string readme = Readme;
        int start = readme.IndexOf($"\n## {heading}\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"README.md has no section '## {heading}'");
        int end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        return end < 0 ? readme[start..] : readme[start..end];
    }

    /// <summary>Every command of the section's <c>bash</c> blocks, in order, as words.</summary>
    public static IReadOnlyList<string[]> Commands(string sectionText)
    {
        var commands = new List<string[]>();
        foreach (Match block in BashBlock().Matches(sectionText))
        {
            string pending = string.Empty;
            foreach (string line in block.Groups["body"].Value.Split('\n'))
            {
                if (line.TrimEnd().EndsWith('\\'))
                {
                    pending += line.TrimEnd()[..^1] + " ";
                    continue;
                }

                string[] words = Words(pending + line);
                pending = string.Empty;
                if (words.Length > 0)
                {
                    commands.Add(words);
                }
            }
        }

        return commands;
    }

    /// <summary>One command line split into words: quotes removed, an unquoted <c>#</c> at a word's start ends the line.</summary>
    public static string[] Words(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        bool inWord = false;
        char quote = '\0';
        foreach (char c in line)
        {
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
                else
                {
                    word.Append(c);
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else if (c == '#' && !inWord)
            {
                break;
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }

        Assert.True(quote == '\0', $"unbalanced quote in the README command: {line}");
        if (inWord)
        {
            words.Add(word.ToString());
        }

        return [.. words];
    }

    [GeneratedRegex(@"```bash\n(?<body>.*?)```", RegexOptions.Singleline)]
    private static partial Regex BashBlock();
}
