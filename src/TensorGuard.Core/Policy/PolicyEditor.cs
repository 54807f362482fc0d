using TensorGuard.Core.Formats;

namespace TensorGuard.Core.Policy;

/// <summary>
/// Edits a policy file as text, so that its comments and layout survive: inserts a base model at the top of a
/// family's <c>bases:</c> list, or a new family at the top of <c>families:</c>. Works on block-style YAML (what
/// <c>policies/default.yml</c> and the README use); a flow-style list is refused with a message. A policy without
/// families of its own (a fresh <c>policy init</c>, <c>families: []</c>) gets a <c>families:</c> section at its end.
/// </summary>
public static class PolicyEditor
{
    /// <summary>The policy text with the base added.</summary>
    /// <param name="text">The policy file's text, as loaded into <paramref name="policy"/>.</param>
    /// <param name="fingerprint">The fingerprint file, relative to the policy.</param>
    /// <param name="aliases">Hub ids a model card's <c>base_model</c> may name this base by.</param>
    public static string AddBase(string text, PolicyDocument policy, string family, string name, string? license, string fingerprint, IReadOnlyList<string>? aliases = null)
    {
        if (policy.LocalFamilies.SelectMany(f => f.Bases).Any(b => SameName(b, name)))
        {
            throw new InvalidInputException($"{policy.Path}: the policy already has a base named '{UntrustedText.Printable(name)}'; choose another --name.");
        }

        // A base inherited through extends: (the bundled Llama-3.1-8B, say, which has no lineage sketch) is replaced by a
        // local one of the same name in the same family: that is how real weights are added for a known base.
        if (policy.Bases.FirstOrDefault(b => SameName(b, name)) is { } inherited && inherited.FamilyId != family)
        {
            throw new InvalidInputException($"{policy.Path}: the inherited base '{UntrustedText.Printable(name)}' is in family '{UntrustedText.Printable(inherited.FamilyId)}'; use --family {UntrustedText.Printable(inherited.FamilyId)} to replace it, or choose another --name.");
        }

        foreach (string value in new[] { family, name, license ?? string.Empty, fingerprint }.Concat(aliases ?? []).Where(v => v.Any(char.IsControl)))
        {
            throw new InvalidInputException($"'{UntrustedText.Printable(value)}' contains control characters; use plain text.");
        }

        string newline = text.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
        var lines = text.Split('\n').Select(line => line.TrimEnd('\r')).ToList();
        string[] baseEntry = BaseEntry(name, license, fingerprint, aliases ?? []);
        string[] familyEntry = ["id: " + Scalar(family), "bases:", .. baseEntry.Select((line, i) => (i == 0 ? "  - " : "    ") + line)];
        if (policy.LocalFamilies.Count == 0)
        {
            return WithFirstFamily(lines, familyEntry, newline);
        }

        PolicyFamily? existing = policy.LocalFamilies.FirstOrDefault(f => f.Id == family);
        if (existing is { Bases.Count: 0 })
        {
            throw new InvalidInputException($"{policy.Path}: family '{UntrustedText.Printable(family)}' takes its bases from the catalogue and has no 'bases:' list to add to; add 'bases:' under it by hand, or add the model to the catalogue.");
        }

        (SourcePosition anchor, string[] entry) = existing is not null
            ? (existing.Bases[0].Position, baseEntry)
            : (policy.LocalFamilies[0].Position, familyEntry);
        int index = (int)anchor.Line - 1;
        int column = (int)anchor.Column - 1;
        string line = lines[index];
        int dash = line.LastIndexOf('-', Math.Max(0, column - 1));
        if (dash < 0 || line[..dash].Trim().Length > 0 || line[(dash + 1)..column].Trim().Length > 0)
        {
            throw new InvalidInputException($"{policy.Path}:{anchor}: this list is not written in block style ('- ' items); add the base by hand.");
        }

        string indent = new(' ', dash);
        string inner = new(' ', column);
        string[] inserted = entry.Select((item, i) => (i == 0 ? indent + "-" + new string(' ', column - dash - 1) : inner) + item).ToArray();
        lines.InsertRange(index, inserted);
        return string.Join(newline, lines);
    }

    /// <summary>Whether <paramref name="name"/> names a base the policy inherits (and a local base of that name would replace).</summary>
    public static bool ReplacesInherited(PolicyDocument policy, string name) =>
        !policy.LocalFamilies.SelectMany(f => f.Bases).Any(b => SameName(b, name)) && policy.Bases.Any(b => SameName(b, name));

    private static bool SameName(PolicyBase policyBase, string name) => string.Equals(policyBase.Name, name, StringComparison.OrdinalIgnoreCase);

    private static string[] BaseEntry(string name, string? license, string fingerprint, IReadOnlyList<string> aliases) =>
    [
        "name: " + Scalar(name),
        .. license is null ? Array.Empty<string>() : ["license: " + Scalar(license)],
        "fingerprint: " + Scalar(fingerprint),
        .. aliases.Count == 0 ? Array.Empty<string>() : ["aliases: [" + string.Join(", ", aliases.Select(Scalar)) + "]"],
    ];

    /// <summary>Replaces an empty top-level <c>families:</c> (absent, null or <c>[]</c>) with one holding <paramref name="familyEntry"/>.</summary>
    private static string WithFirstFamily(List<string> lines, string[] familyEntry, string newline)
    {
        string[] section = ["families:", .. familyEntry.Select((line, i) => (i == 0 ? "  - " : "    ") + line)];
        int index = lines.FindIndex(line => line.StartsWith("families:", StringComparison.Ordinal));
        if (index >= 0)
        {
            lines.RemoveAt(index);
            lines.InsertRange(index, section);
        }
        else
        {
            while (lines.Count > 0 && lines[^1].Length == 0)
            {
                lines.RemoveAt(lines.Count - 1);
            }

            lines.AddRange(["", .. section, ""]);
        }

        return string.Join(newline, lines);
    }

    /// <summary>A YAML scalar, double-quoted whenever plain style could change its meaning.</summary>
    private static string Scalar(string value)
    {
        bool plain = value.Length > 0
            && value.All(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' or '/')
            && !char.IsDigit(value[0]) && value[0] is not ('-' or '.')
            && value is not ("true" or "false" or "null" or "yes" or "no" or "on" or "off" or "~");
        return plain ? value : "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
    }
}
