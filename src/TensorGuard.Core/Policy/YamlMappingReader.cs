using System.Globalization;

namespace TensorGuard.Core.Policy;

/// <summary>
/// Reads the entries of one mapping of a policy: rejects keys the schema does not know (suggesting the
/// nearest known key) and converts values with errors that point at the offending node. Each policy
/// section declares its keys once, here, so the schema and the loader cannot drift apart silently.
/// </summary>
public sealed class YamlMappingReader
{
    private readonly Dictionary<string, KeyValuePair<YamlScalar, YamlNode>> entries;

    private YamlMappingReader(string file, YamlMapping mapping, string what)
    {
        File = file;
        Mapping = mapping;
        What = what;
        entries = mapping.Entries.ToDictionary(entry => entry.Key.Value, StringComparer.Ordinal);
    }

    /// <summary>The policy file, for messages.</summary>
    public string File { get; }

    /// <summary>The mapping being read.</summary>
    public YamlMapping Mapping { get; }

    /// <summary>What the mapping describes ("base", "family"), for messages.</summary>
    public string What { get; }

    /// <summary>
    /// Opens <paramref name="node"/> as a mapping describing <paramref name="what"/> whose keys must be
    /// among <paramref name="knownKeys"/>. An unknown key is reported (reading goes on without it);
    /// <paramref name="misplaced"/> names the section a key belongs under when it lost its indentation.
    /// </summary>
    public static YamlMappingReader Open(string file, YamlNode node, string what, IReadOnlyCollection<string> knownKeys, Func<string, string?>? misplaced = null)
    {
        if (node is not YamlMapping mapping)
        {
            throw new PolicyException(file, node.Position, $"a {what} must be a mapping of keys to values, not {node.Kind}.");
        }

        foreach ((YamlScalar key, _) in mapping.Entries)
        {
            if (!knownKeys.Contains(key.Value))
            {
                string? suggestion = KeySuggestion.Nearest(key.Value, knownKeys);
                string hint = misplaced?.Invoke(key.Value) is { } section
                    ? $"did you mean to put it under {section}:? Indent it below '{section}:'"
                    : suggestion is null
                    ? $"known keys: {string.Join(", ", knownKeys)}"
                    : $"did you mean '{suggestion}'?";
                PolicyProblems.Report(new PolicyException(file, key.Position, $"unknown key '{YamlTreeReader.Printable(key.Value)}' in {what}; {hint}"));
            }
        }

        return new YamlMappingReader(file, mapping, what);
    }

    /// <summary>The value under <paramref name="key"/>, or null when the key is absent or its value is YAML null.</summary>
    public YamlNode? Optional(string key) =>
        entries.TryGetValue(key, out var entry) && entry.Value is not YamlScalar { IsNull: true } ? entry.Value : null;

    public YamlNode Required(string key) =>
        Optional(key) ?? throw Error(Mapping.Position, $"the {What} has no '{key}'; add '{key}:'.");

    public string RequiredText(string key) => Text(key, Required(key));

    public string? OptionalText(string key) => Optional(key) is { } node ? Text(key, node) : null;

    public int RequiredInteger(string key)
    {
        YamlNode node = Required(key);
        if (node is YamlScalar { Plain: true } scalar
            && int.TryParse(scalar.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value))
        {
            return value;
        }

        throw Error(node.Position, $"'{key}' must be a whole number.");
    }

    /// <summary>The items of a required, non-empty list.</summary>
    public IReadOnlyList<YamlNode> RequiredList(string key)
    {
        YamlNode node = Required(key);
        if (node is not YamlSequence sequence)
        {
            throw Error(node.Position, $"'{key}' must be a list, not {node.Kind}.");
        }

        if (sequence.Items.Count == 0)
        {
            throw Error(node.Position, $"'{key}' is empty; list at least one entry.");
        }

        return sequence.Items;
    }

    /// <summary>A finite number written as a plain scalar (YAML's .nan/.inf are refused).</summary>
    public static double Number(string file, string key, YamlNode node)
    {
        if (node is YamlScalar { Plain: true } scalar
            && double.TryParse(scalar.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            && double.IsFinite(value))
        {
            return value;
        }

        throw new PolicyException(file, node.Position, $"'{key}' must be a finite number.");
    }

    public PolicyException Error(SourcePosition position, string problem) => new(File, position, problem);

    private string Text(string key, YamlNode node)
    {
        if (node is not YamlScalar scalar || scalar.Value.Length == 0)
        {
            throw Error(node.Position, $"'{key}' must be non-empty text, not {node.Kind}.");
        }

        return scalar.Value;
    }
}
