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
        catch (YamlException error) when (error.Message.Contains("tab", StringComparison.OrdinalIgnoreCase) && IndentingTab(text) is { } tab)
        {
            // YamlDotNet places a tab in the indentation at the start of the enclosing mapping: point at the tab itself.
            throw new PolicyException(file, tab, $"invalid YAML: a tab indents line {tab.Line}; YAML indents with spaces only, so replace the tab with spaces.");
        }
        catch (YamlException error)
        {
            throw new PolicyException(file, At(error.Start), Explain(error, text));
        }
    }

    /// <summary>The first tab in a line's leading whitespace, or null.</summary>
    private static SourcePosition? IndentingTab(string text)
    {
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            int column = 0;
            while (column < lines[i].Length && lines[i][column] is ' ' or '\t')
            {
                if (lines[i][column] == '\t')
                {
                    return new SourcePosition(i + 1, column + 1);
                }

                column++;
            }
        }

        return null;
    }

    /// <summary>YamlDotNet's explanation, with what to write instead for the mistakes people make in policies.</summary>
    private static string Explain(YamlException error, string text)
    {
        // YamlDotNet's messages start with "(Line: …, Col: …)": the location is reported separately.
        string problem = error.Message.Contains("): ", StringComparison.Ordinal)
            ? error.Message[(error.Message.IndexOf("): ", StringComparison.Ordinal) + 3)..]
            : error.Message;
        string[] lines = text.Split('\n');
        string line = error.Start.Line >= 1 && error.Start.Line <= lines.Length ? lines[error.Start.Line - 1] : string.Empty;
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
