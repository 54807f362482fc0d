using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace TensorGuard.Core.Compliance;

/// <summary>
/// The YAML front matter of a Hugging Face model card: top-level keys whose values are a string or a list of
/// strings (nested values such as <c>model-index</c> are skipped). Cards are untrusted: aliases are refused (no
/// alias bombs), nesting and the number of YAML events are bounded, and every failure is a message, not an exception.
/// </summary>
internal sealed class FrontMatter
{
    private const int MaxDepth = 32;
    private const int MaxEvents = 100_000;

    private readonly Dictionary<string, object> _values;
    private readonly Dictionary<string, int> _lines;

    private FrontMatter(Dictionary<string, object> values, Dictionary<string, int> lines, string body)
    {
        _values = values;
        _lines = lines;
        Body = body;
    }

    /// <summary>The card's Markdown after the front matter.</summary>
    public string Body { get; }

    /// <summary>Splits a card into front matter and body; <paramref name="problem"/> says why the front matter was not read.</summary>
    /// <param name="problemLine">The card line <paramref name="problem"/> is at, when it is at one.</param>
    public static FrontMatter Parse(string card, out string? problem, out int? problemLine)
    {
        problem = null;
        problemLine = null;
        string text = card.TrimStart('\uFEFF');
        string[] lines = text.Split('\n');
        if (lines.Length == 0 || lines[0].TrimEnd('\r', ' ') != "---")
        {
            problem = "model card has no YAML front matter (a block between --- lines at the top); add one with license, base_model and model_name";
            return new FrontMatter([], [], text);
        }

        int end = Array.FindIndex(lines, 1, line => line.TrimEnd('\r', ' ') is "---" or "...");
        if (end < 0)
        {
            problem = "model card front matter is not closed by a --- line";
            return new FrontMatter([], [], text);
        }

        string yaml = string.Join('\n', lines[1..end]);
        string body = string.Join('\n', lines[(end + 1)..]);
        try
        {
            var keyLines = new Dictionary<string, int>(StringComparer.Ordinal);
            return new FrontMatter(ReadTopLevel(yaml, keyLines), keyLines, body);
        }
        catch (YamlException error)
        {
            problemLine = CardLine(error.Start);
            problem = string.Create(CultureInfo.InvariantCulture,
                $"line {problemLine}, column {error.Start.Column}: invalid front matter: {Formats.UntrustedText.Printable(error.Message)}");
            return new FrontMatter([], [], body);
        }
    }

    /// <summary>The string value of <paramref name="key"/>; null when absent or not a string.</summary>
    public string? String(string key) => _values.GetValueOrDefault(key) as string;

    /// <summary>The value of <paramref name="key"/> as a list: a single string becomes a one-item list.</summary>
    public IReadOnlyList<string>? List(string key) => _values.GetValueOrDefault(key) switch
    {
        string single => [single],
        IReadOnlyList<string> list => list,
        _ => null,
    };

    /// <summary>The card line (1-based) on which each top-level key is declared.</summary>
    public IReadOnlyDictionary<string, int> Lines => _lines;

    /// <summary>True when <paramref name="key"/> is present but neither a string nor a list of strings.</summary>
    public bool IsMalformed(string key) => _values.TryGetValue(key, out object? value) && value is not (string or IReadOnlyList<string>);

    // The front matter starts on line 2 of the card.
    private static int CardLine(Mark mark) => (int)Math.Min(int.MaxValue, mark.Line + 1);

    private static Dictionary<string, object> ReadTopLevel(string yaml, Dictionary<string, int> lines)
    {
        var values = new Dictionary<string, object>(StringComparer.Ordinal);
        IParser parser = new CountingParser(new Parser(new StringReader(yaml)));
        parser.Consume<StreamStart>();
        if (parser.TryConsume<StreamEnd>(out _))
        {
            return values;
        }

        parser.Consume<DocumentStart>();
        if (parser.Accept<Scalar>(out var empty) && empty.Value.Length == 0)
        {
            return values;
        }

        if (!parser.TryConsume<MappingStart>(out _))
        {
            throw new YamlException(parser.Current!.Start, parser.Current.End, "front matter must be a mapping of keys to values");
        }

        while (!parser.TryConsume<MappingEnd>(out _))
        {
            if (!parser.TryConsume<Scalar>(out var key))
            {
                throw new YamlException(parser.Current!.Start, parser.Current.End, "front matter keys must be plain strings");
            }

            object value = ReadValue(parser, depth: 1);
            if (!values.TryAdd(key.Value, value))
            {
                throw new YamlException(key.Start, key.End, $"key '{Formats.UntrustedText.Printable(key.Value)}' appears twice");
            }

            lines[key.Value] = CardLine(key.Start);
        }

        return values;
    }

    /// <summary>A scalar as a string, a sequence of scalars as a list, anything more nested as <see cref="Nested"/>.</summary>
    private static object ReadValue(IParser parser, int depth)
    {
        ParsingEvent next = parser.Current!;
        if (depth > MaxDepth)
        {
            throw new YamlException(next.Start, next.End, $"front matter is nested deeper than {MaxDepth} levels");
        }

        switch (next)
        {
            case AnchorAlias:
                throw new YamlException(next.Start, next.End, "YAML aliases are not allowed in model card front matter");
            case Scalar scalar:
                parser.MoveNext();
                return scalar.Value;
            case SequenceStart:
                parser.MoveNext();
                var items = new List<string>();
                bool flat = true;
                while (!parser.TryConsume<SequenceEnd>(out _))
                {
                    if (ReadValue(parser, depth + 1) is string item)
                    {
                        items.Add(item);
                    }
                    else
                    {
                        flat = false;
                    }
                }

                return flat ? items : Nested.Value;
            case MappingStart:
                parser.MoveNext();
                while (!parser.TryConsume<MappingEnd>(out _))
                {
                    ReadValue(parser, depth + 1);
                    ReadValue(parser, depth + 1);
                }

                return Nested.Value;
            default:
                throw new YamlException(next.Start, next.End, $"unexpected {next.GetType().Name} in front matter");
        }
    }

    /// <summary>A value nested too deeply to matter to TensorGuard (e.g. <c>model-index</c>).</summary>
    private sealed class Nested
    {
        public static readonly Nested Value = new();
    }

    /// <summary>Stops a parse after <see cref="MaxEvents"/> events, so a huge front matter cannot run away.</summary>
    private sealed class CountingParser(IParser inner) : IParser
    {
        private int _events;

        public ParsingEvent? Current => inner.Current;

        public bool MoveNext()
        {
            if (++_events > MaxEvents)
            {
                throw new YamlException(inner.Current?.Start ?? Mark.Empty, inner.Current?.End ?? Mark.Empty,
                    $"front matter has more than {MaxEvents} YAML nodes");
            }

            return inner.MoveNext();
        }
    }
}
