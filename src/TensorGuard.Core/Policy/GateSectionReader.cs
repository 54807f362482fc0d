using System.Globalization;

namespace TensorGuard.Core.Policy;

/// <summary>
/// Reads the sections of a policy that drive the compliance gate: <c>licenses</c>, <c>organisation</c>,
/// <c>rules</c>, <c>fail-on</c>, <c>exceptions</c> and <c>models</c>, and checks them against the families.
/// </summary>
internal static class GateSectionReader
{
    public static readonly string[] TopLevelKeys = ["licenses", "organisation", "rules", "fail-on", "exceptions", "models"];
    private static readonly string[] LicenseKeys = ["id", "name", "link", "commercial", "allows-relicensing", "name-prefix", "notices", "conditions", "covers"];
    private static readonly string[] NoticeKeys = ["text", "where"];
    private static readonly string[] OrganisationKeys = ["commercial", "allowed-families", "denied-families", "allowed-licenses", "denied-licenses"];
    private static readonly string[] ExceptionKeys = ["model", "rule", "reason", "expires"];
    private static readonly string[] ModelKeys = ["path", "name", "license", "base-model", "optional", "base-weights"];
    private static readonly string[] SeverityWords = ["error", "warning", "note", "off"];
    private static readonly string[] FailOnWords = ["error", "warning", "never"];
    private static readonly string[] PlaceWords = ["model-card", "notice-file", "license-file", "anywhere"];

    /// <summary>Adds the gate sections under <paramref name="top"/> to <paramref name="document"/>.</summary>
    public static PolicyDocument Read(YamlMappingReader top, PolicyDocument document)
    {
        IReadOnlyList<LicenseTerms> licenses = top.Optional("licenses") is null ? [] : ReadLicenses(top);
        CheckBaseLicenses(top, document, licenses);
        return document with
        {
            Licenses = licenses,
            Organisation = top.Optional("organisation") is { } organisation ? ReadOrganisation(top.File, organisation, document) : OrganisationSettings.Default,
            Rules = top.Optional("rules") is { } rules ? ReadRules(top.File, rules) : RuleSettings.Default,
            FailOn = top.Optional("fail-on") is { } failOn ? Word(top.File, "fail-on", failOn, FailOnWords) switch
            {
                "warning" => FailOn.Warning,
                "never" => FailOn.Never,
                _ => FailOn.Error,
            } : FailOn.Error,
            Exemptions = top.Optional("exceptions") is null ? [] : top.RequiredList("exceptions").Select(node => ReadExemption(top.File, node)).ToArray(),
            Models = top.Optional("models") is null ? [] : top.RequiredList("models").Select(node => ReadModel(top.File, node)).ToArray(),
        };
    }

    /// <summary>Reads a family's optional <c>covers</c> list.</summary>
    public static IReadOnlyList<string> Covers(YamlMappingReader family) => TextList(family, "covers");

    /// <summary>Reads an optional <c>notices</c> list (of a license or a family).</summary>
    public static IReadOnlyList<RequiredNotice> Notices(YamlMappingReader entry) =>
        entry.Optional("notices") is null ? [] : entry.RequiredList("notices").Select(notice => ReadNotice(entry.File, notice)).ToArray();

    /// <summary>Reads a base's optional <c>aliases</c> list.</summary>
    public static IReadOnlyList<string> Aliases(YamlMappingReader entry) => TextList(entry, "aliases");

    private static IReadOnlyList<LicenseTerms> ReadLicenses(YamlMappingReader top)
    {
        var seen = new Dictionary<string, SourcePosition>(StringComparer.OrdinalIgnoreCase);
        var licenses = new List<LicenseTerms>();
        foreach (YamlNode node in top.RequiredList("licenses"))
        {
            var entry = YamlMappingReader.Open(top.File, node, "license", LicenseKeys);
            string id = entry.RequiredText("id");
            if (!seen.TryAdd(id, node.Position))
            {
                throw entry.Error(entry.Required("id").Position, $"license '{YamlTreeReader.Printable(id)}' is listed twice (first at line {seen[id].Line}).");
            }

            licenses.Add(new LicenseTerms(
                id.ToLowerInvariant(),
                entry.OptionalText("name") ?? id,
                entry.OptionalText("link"),
                Boolean(entry, "commercial") ?? throw entry.Error(node.Position, $"license '{YamlTreeReader.Printable(id)}' has no 'commercial'; add 'commercial: true' or 'commercial: false'."),
                Boolean(entry, "allows-relicensing") ?? false,
                entry.OptionalText("name-prefix"),
                Notices(entry),
                TextList(entry, "conditions"),
                TextList(entry, "covers"),
                node.Position));
        }

        return licenses;
    }

    private static RequiredNotice ReadNotice(string file, YamlNode node)
    {
        var entry = YamlMappingReader.Open(file, node, "notice", NoticeKeys);
        IReadOnlyList<string> texts = TextList(entry, "text");
        if (texts.Count == 0)
        {
            throw entry.Error(node.Position, "the notice has no 'text'; add the text (or a list of accepted alternatives).");
        }

        NoticePlace where = entry.Optional("where") is { } place
            ? Word(file, "where", place, PlaceWords) switch
            {
                "model-card" => NoticePlace.ModelCard,
                "notice-file" => NoticePlace.NoticeFile,
                "license-file" => NoticePlace.LicenseFile,
                _ => NoticePlace.Anywhere,
            }
            : NoticePlace.Anywhere;
        return new RequiredNotice(texts, where);
    }

    private static void CheckBaseLicenses(YamlMappingReader top, PolicyDocument document, IReadOnlyList<LicenseTerms> licenses)
    {
        if (licenses.Count == 0)
        {
            return;
        }

        string[] ids = licenses.Select(l => l.Id).ToArray();
        foreach (PolicyBase model in document.Bases.Where(b => b.License is not null && !ids.Contains(b.License, StringComparer.OrdinalIgnoreCase)))
        {
            string? suggestion = KeySuggestion.Nearest(model.License!, ids);
            throw top.Error(model.Position, $"base '{YamlTreeReader.Printable(model.Name)}' has license '{YamlTreeReader.Printable(model.License!)}', which 'licenses' does not define; "
                + (suggestion is null ? "add it to 'licenses'." : $"did you mean '{suggestion}'?"));
        }
    }

    private static OrganisationSettings ReadOrganisation(string file, YamlNode node, PolicyDocument document)
    {
        var entry = YamlMappingReader.Open(file, node, "organisation", OrganisationKeys);
        string[] familyIds = document.Families.Select(f => f.Id).ToArray();
        IReadOnlyList<string> Families(string key)
        {
            IReadOnlyList<string> families = TextList(entry, key);
            foreach (string family in families.Where(f => !familyIds.Contains(f, StringComparer.Ordinal)))
            {
                string? suggestion = KeySuggestion.Nearest(family, familyIds);
                throw entry.Error(entry.Required(key).Position, $"'{key}' names family '{YamlTreeReader.Printable(family)}', which the policy does not define; "
                    + (suggestion is null ? $"families: {string.Join(", ", familyIds)}." : $"did you mean '{suggestion}'?"));
            }

            return families;
        }

        return new OrganisationSettings(
            Boolean(entry, "commercial") ?? false,
            Families("allowed-families"),
            Families("denied-families"),
            TextList(entry, "allowed-licenses").Select(l => l.ToLowerInvariant()).ToArray(),
            TextList(entry, "denied-licenses").Select(l => l.ToLowerInvariant()).ToArray());
    }

    private static RuleSettings ReadRules(string file, YamlNode node)
    {
        var entry = YamlMappingReader.Open(file, node, "rules", [.. RuleIds.DefaultSeverities.Keys]);
        var severities = new Dictionary<string, Severity>(RuleIds.DefaultSeverities, StringComparer.Ordinal);
        foreach ((YamlScalar key, YamlNode value) in entry.Mapping.Entries)
        {
            string word = Word(file, key.Value, value, SeverityWords);
            if (RuleIds.IsFixed(key.Value) && word != "error")
            {
                throw entry.Error(value.Position, $"'{key.Value}' is always an error: an artifact that was not analysed must never read as clean.");
            }

            if (word == "off")
            {
                severities.Remove(key.Value);
            }
            else
            {
                severities[key.Value] = word switch
                {
                    "warning" => Severity.Warning,
                    "note" => Severity.Note,
                    _ => Severity.Error,
                };
            }
        }

        return new RuleSettings(severities);
    }

    private static PolicyExemption ReadExemption(string file, YamlNode node)
    {
        var entry = YamlMappingReader.Open(file, node, "exception", ExceptionKeys);
        string rule = entry.RequiredText("rule");
        if (!RuleIds.DefaultSeverities.ContainsKey(rule))
        {
            string? suggestion = KeySuggestion.Nearest(rule, RuleIds.DefaultSeverities.Keys);
            throw entry.Error(entry.Required("rule").Position, $"unknown rule '{YamlTreeReader.Printable(rule)}'; "
                + (suggestion is null ? $"rules: {string.Join(", ", RuleIds.DefaultSeverities.Keys)}." : $"did you mean '{suggestion}'?"));
        }

        if (RuleIds.IsFixed(rule))
        {
            throw entry.Error(entry.Required("rule").Position, $"'{rule}' cannot be excepted: an artifact that was not analysed must never read as clean; fix the file or stop selecting it.");
        }

        if (entry.Optional("reason") is null)
        {
            throw entry.Error(node.Position, "the exception has no 'reason'; say why the finding is accepted (a ticket, an agreement, a license reference).");
        }

        DateOnly? expires = null;
        if (entry.Optional("expires") is { } date)
        {
            expires = date is YamlScalar scalar
                && DateOnly.TryParseExact(scalar.Value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out DateOnly parsed)
                ? parsed
                : throw entry.Error(date.Position, "'expires' must be a date written YYYY-MM-DD.");
        }

        return new PolicyExemption(entry.RequiredText("model"), rule, entry.RequiredText("reason"), expires, node.Position);
    }

    private static ModelSelection ReadModel(string file, YamlNode node)
    {
        var entry = YamlMappingReader.Open(file, node, "model", ModelKeys);
        string path = entry.RequiredText("path");
        if (Path.IsPathRooted(path) || path.Replace('\\', '/').Split('/').Contains(".."))
        {
            throw entry.Error(entry.Required("path").Position, $"model path '{YamlTreeReader.Printable(path)}' must stay inside the repository; write it relative to the repository root without '..'.");
        }

        IReadOnlyList<string> bases = TextList(entry, "base-model");
        return new ModelSelection(path, entry.OptionalText("name"), entry.OptionalText("license"),
            bases.Count == 0 ? null : bases, Boolean(entry, "optional") ?? false, node.Position)
        {
            BaseWeights = entry.OptionalText("base-weights"),
        };
    }

    /// <summary>An optional <c>true</c>/<c>false</c> value; null when absent.</summary>
    public static bool? Boolean(YamlMappingReader entry, string key) => entry.Optional(key) switch
    {
        null => null,
        YamlScalar { Plain: true, Value: "true" or "True" or "TRUE" } => true,
        YamlScalar { Plain: true, Value: "false" or "False" or "FALSE" } => false,
        { } other => throw entry.Error(other.Position, $"'{key}' must be true or false."),
    };

    /// <summary>A text or a list of texts, as a list; empty when absent.</summary>
    private static IReadOnlyList<string> TextList(YamlMappingReader entry, string key) => entry.Optional(key) switch
    {
        null => [],
        YamlScalar { Value.Length: > 0 } scalar => [scalar.Value],
        YamlSequence sequence => sequence.Items.Select(item => item is YamlScalar { Value.Length: > 0 } text
            ? text.Value
            : throw entry.Error(item.Position, $"'{key}' must list non-empty texts, not {item.Kind}.")).ToArray(),
        { } other => throw entry.Error(other.Position, $"'{key}' must be a text or a list of texts, not {other.Kind}."),
    };

    private static string Word(string file, string key, YamlNode node, string[] words)
    {
        if (node is YamlScalar scalar && words.Contains(scalar.Value, StringComparer.Ordinal))
        {
            return scalar.Value;
        }

        string typed = node is YamlScalar text ? text.Value : node.Kind;
        string? suggestion = KeySuggestion.Nearest(typed, words);
        throw new PolicyException(file, node.Position, $"'{key}' must be one of {string.Join(", ", words)}, not '{YamlTreeReader.Printable(typed)}'"
            + (suggestion is null ? "." : $"; did you mean '{suggestion}'?"));
    }
}
