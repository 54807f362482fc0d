using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace TensorGuard.Core.Policy;

/// <summary>
/// Reads one YAML document into a <see cref="YamlNode"/> tree, refusing what a policy never needs and
/// an attacker could abuse: anchors and aliases (alias "billion laughs" expansion), nesting deeper than
/// <see cref="MaxDepth"/>, complex keys, duplicate keys, several documents and oversized files.
/// </summary>
public static class YamlTreeReader
{
    /// <summary>Policies are hand-written configuration; anything larger is not one.</summary>
    public const long MaxFileBytes = 4 * 1024 * 1024;

    /// <summary>Deep enough for any policy shape, shallow enough that recursion stays cheap.</summary>
    public const int MaxDepth = 32;

    public static YamlNode ReadFile(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new InvalidInputException($"{path}: policy file not found; pass an existing YAML file with --policy.");
        }

        if (Formats.RegularFile.SpecialKind(path) is { } kind)
        {
            throw new InvalidInputException($"{path}: policy file is {kind}, not a regular file; pass the YAML file itself with --policy.");
        }

        if (info.Length > MaxFileBytes)
        {
            throw new InvalidInputException($"{path}: policy file is {info.Length} bytes, more than the {MaxFileBytes} bytes a policy may have.");
        }

        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException($"{path}: cannot read the policy file ({error.Message}).", error);
        }

        return Read(text, path);
    }

    /// <summary>Parses <paramref name="text"/>; <paramref name="file"/> names it in messages.</summary>
    public static YamlNode Read(string text, string file)
    {
        var parser = new Parser(new StringReader(text));
        try
        {
            parser.Consume<StreamStart>();
            if (parser.Accept<StreamEnd>(out _))
            {
                throw new PolicyException(file, new SourcePosition(1, 1), "the policy is empty; it needs at least 'version: 1'.");
            }

            parser.Consume<DocumentStart>();
            YamlNode root = ReadNode(parser, file, depth: 1);
            parser.Consume<DocumentEnd>();
            if (!parser.Accept<StreamEnd>(out _))
            {
                throw new PolicyException(file, At(parser.Current!.Start), "a policy file holds exactly one YAML document; remove the second '---' document.");
            }

            return root;
        }
        catch (YamlException error)
        {
            throw SyntaxErrors(text, file, (lines, sections, into) => Describe(error, lines, 0, lines.Length, sections, file, into));
        }
        catch (InvalidOperationException error) when (error.Source == "YamlDotNet")
        {
            // YamlDotNet 18.1 fails this way instead of with a YamlException on some unclosed flow collections.
            PolicyException failure = ParserFailure(file, parser.Current?.End);
            throw SyntaxErrors(text, file, (_, _, into) =>
            {
                into.Add(failure);
                return failure.Position.Line;
            });
        }
    }

    private static PolicyException ParserFailure(string file, Mark? lastRead) =>
        new(file, lastRead is { } mark ? At(mark) : new SourcePosition(1, 1),
            "invalid YAML: the parser could not read on after this point; look for an unclosed '[', '{' or quote here or below.");

    /// <summary>Adds the problems of the first syntax error; returns the line (from 1) they start at.</summary>
    private delegate long FirstError(string[] lines, int[] sections, List<PolicyException> into);

    /// <summary>Past this many top-level sections a broken file is not re-read section by section (no policy has that many).</summary>
    private const int MaxSectionsReread = 64;

    /// <summary>Tab-indented lines listed one by one; a file indented with tabs throughout gets one line for the rest.</summary>
    private const int MaxTabsListed = 20;

    /// <summary>
    /// The syntax error YamlDotNet stopped at, then those of every later top-level section (a line that starts a key in
    /// column 1), each parsed on its own: the parser cannot go on after an error, but a policy's sections are
    /// independent, so the reader sees every broken section in one run. Sections before the first error parsed, and are
    /// not read again. A tab error lists every tab-indented line of its section.
    /// </summary>
    private static PolicyException SyntaxErrors(string text, string file, FirstError first)
    {
        string[] lines = text.Split('\n');
        int[] sections = Enumerable.Range(0, lines.Length).Where(i => StartsSection(lines[i])).ToArray();
        var problems = new List<PolicyException>();
        long failedLine = first(lines, sections, problems);
        if (sections.Length <= MaxSectionsReread)
        {
            for (int s = 0; s < sections.Length; s++)
            {
                int start = sections[s];
                int end = s + 1 < sections.Length ? sections[s + 1] : lines.Length;
                if (start + 1 <= failedLine)
                {
                    continue;
                }

                try
                {
                    var section = new Parser(new StringReader(string.Join('\n', lines[start..end])));
                    while (section.MoveNext())
                    {
                    }
                }
                catch (YamlException later)
                {
                    Describe(later, lines, start, end, sections, file, problems);
                }
                catch (InvalidOperationException unreadable) when (unreadable.Source == "YamlDotNet")
                {
                    problems.Add(ParserFailure(file, new Mark(0, start + 1, 1)));
                }
            }
        }

        return problems.Count == 1 ? problems[0] : new PolicyException(problems);
    }

    private static bool StartsSection(string line) =>
        line.Length > 0 && line[0] is not (' ' or '\t' or '#' or '-' or '.' or '\r');

    /// <summary>
    /// Adds the problems of a syntax error in <paramref name="lines"/>[start..end] (positions counted from
    /// <paramref name="start"/>); returns the line (from 1) of the first.
    /// </summary>
    private static long Describe(YamlException error, string[] lines, int start, int end, int[] sections, string file, List<PolicyException> into)
    {
        if (error.Message.Contains("tab", StringComparison.OrdinalIgnoreCase) && IndentingTabs(lines, start, end).FirstOrDefault() is { Line: > 0 } first)
        {
            // YamlDotNet places a tab in the indentation at the start of the enclosing mapping: point at each tab itself.
            int section = sections.LastOrDefault(s => s < first.Line, start);
            int sectionEnd = sections.FirstOrDefault(s => s >= first.Line, end);
            SourcePosition[] tabs = IndentingTabs(lines, Math.Max(section, start), Math.Min(sectionEnd, end)).ToArray();
            foreach (SourcePosition tab in tabs.Take(MaxTabsListed))
            {
                into.Add(new PolicyException(file, tab, $"invalid YAML: a tab indents line {tab.Line}; YAML indents with spaces only, so replace the tab with spaces."));
            }

            if (tabs.Length > MaxTabsListed)
            {
                SourcePosition next = tabs[MaxTabsListed];
                into.Add(new PolicyException(file, next, $"invalid YAML: {tabs.Length - MaxTabsListed} more lines from here on are indented with tabs; replace every tab in the indentation with spaces."));
            }

            return first.Line;
        }

        var position = new SourcePosition(error.Start.Line + start, error.Start.Column);
        string line = position.Line >= 1 && position.Line <= lines.Length ? lines[position.Line - 1] : string.Empty;
        into.Add(new PolicyException(file, position, Explain(error, line)));
        return position.Line;
    }

    /// <summary>The first tab in the leading whitespace of each of <paramref name="lines"/>[start..end] that has one.</summary>
    private static IEnumerable<SourcePosition> IndentingTabs(string[] lines, int start, int end)
    {
        for (int i = start; i < end; i++)
        {
            int column = 0;
            while (column < lines[i].Length && lines[i][column] is ' ' or '\t')
            {
                if (lines[i][column] == '\t')
                {
                    yield return new SourcePosition(i + 1, column + 1);
                    break;
                }

                column++;
            }
        }
    }

    /// <summary>YamlDotNet's explanation, with what to write instead for the mistakes people make in policies.</summary>
    private static string Explain(YamlException error, string line)
    {
        // YamlDotNet's messages start with "(Line: …, Col: …)": the location is reported separately.
        string problem = error.Message.Contains("): ", StringComparison.Ordinal)
            ? error.Message[(error.Message.IndexOf("): ", StringComparison.Ordinal) + 3)..]
            : error.Message;
        int column = (int)Math.Clamp(error.Start.Column - 1, 0, line.Length);
        if (line[column..].TrimStart().StartsWith('*') || line.TrimStart(' ', '-').Contains(": *", StringComparison.Ordinal))
        {
            return $"invalid YAML: text starting with '*' reads as a YAML alias; if it is a glob, quote it: \"*…\" ({problem})";
        }

        return $"invalid YAML: {problem}";
    }

    private static YamlNode ReadNode(IParser parser, string file, int depth)
    {
        ParsingEvent next = parser.Current ?? throw new PolicyException(file, new SourcePosition(1, 1), "unexpected end of the YAML document.");
        SourcePosition position = At(next.Start);
        if (next is AnchorAlias alias)
        {
            throw new PolicyException(file, position, $"'*{Printable(alias.Value.Value)}' reads as a YAML alias, which a policy does not allow; if it is a glob, quote it: \"*{Printable(alias.Value.Value)}\".");
        }

        if (next is NodeEvent { Anchor.IsEmpty: false })
        {
            throw new PolicyException(file, position, "YAML anchors (&name) are not allowed in a policy; write each value out.");
        }

        if (depth > MaxDepth)
        {
            throw new PolicyException(file, position, $"the document nests deeper than {MaxDepth} levels; a policy never needs that.");
        }

        switch (next)
        {
            case Scalar scalar:
                parser.MoveNext();
                return new YamlScalar(position, scalar.Value, scalar.Style is ScalarStyle.Plain or ScalarStyle.Any);
            case SequenceStart:
                parser.MoveNext();
                var items = new List<YamlNode>();
                while (!parser.TryConsume<SequenceEnd>(out _))
                {
                    items.Add(ReadNode(parser, file, depth + 1));
                }

                return new YamlSequence(position, items);
            case MappingStart:
                parser.MoveNext();
                return new YamlMapping(position, ReadEntries(parser, file, depth));
            default:
                throw new PolicyException(file, position, $"unexpected YAML element {next.GetType().Name}.");
        }
    }

    private static List<KeyValuePair<YamlScalar, YamlNode>> ReadEntries(IParser parser, string file, int depth)
    {
        var entries = new List<KeyValuePair<YamlScalar, YamlNode>>();
        var seen = new Dictionary<string, SourcePosition>(StringComparer.Ordinal);
        while (!parser.TryConsume<MappingEnd>(out _))
        {
            YamlNode keyNode = ReadNode(parser, file, depth + 1);
            if (keyNode is not YamlScalar key)
            {
                throw new PolicyException(file, keyNode.Position, "mapping keys must be plain text, not a list or mapping.");
            }

            if (!seen.TryAdd(key.Value, key.Position))
            {
                throw new PolicyException(file, key.Position, $"key '{Printable(key.Value)}' appears twice in this mapping (first at line {seen[key.Value].Line}).");
            }

            entries.Add(new(key, ReadNode(parser, file, depth + 1)));
        }

        return entries;
    }

    internal static string Printable(string text) => Formats.UntrustedText.Printable(text);

    private static SourcePosition At(Mark mark) => new(mark.Line, mark.Column);
}
