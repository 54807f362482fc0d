using System.Globalization;
using TensorGuard.Core.Compliance;

namespace TensorGuard.Core.Policy;

/// <summary>
/// Reads the sections of a policy that drive the compliance gate: <c>licenses</c>, <c>organisation</c>,
/// <c>rules</c>, <c>fail-on</c>, <c>exceptions</c> and <c>models</c>, and checks them against the families.
/// </summary>
internal static class GateSectionReader
{
    public static readonly string[] TopLevelKeys = ["licenses", "organisation", "rules", "fail-on", "evidence", "exceptions", "models", "hub"];
    private static readonly string[] LicenseKeys = ["id", "name", "link", "commercial", "allows-relicensing", "name-prefix", "notices", "conditions", "covers"];
    private static readonly string[] NoticeKeys = ["text", "where"];
    public static readonly string[] OrganisationKeys = ["commercial", "allowed-families", "denied-families", "allowed-licenses", "denied-licenses"];
    private static readonly string[] ExceptionKeys = ["model", "rule", "reason", "expires"];
    private static readonly string[] ModelKeys = ["path", "name", "license", "base-model", "optional", "base-weights"];
    private static readonly string[] SeverityWords = ["error", "warning", "note", "off"];
    private static readonly string[] FailOnWords = ["error", "warning", "never"];
    private static readonly string[] EvidenceWords = [.. new[] { EvidenceLevel.Identical, EvidenceLevel.Derived, EvidenceLevel.Resembles }.Select(level => level.Token())];
    private static readonly string[] HubWords = ["on", "off"];
    private static readonly string[] PlaceWords = ["model-card", "notice-file", "license-file", "anywhere"];

    /// <summary>Adds the gate sections under <paramref name="top"/> to <paramref name="document"/>.</summary>
    public static PolicyDocument Read(YamlMappingReader top, PolicyDocument document)
    {
        IReadOnlyList<LicenseTerms> licenses = PolicyInheritance.MergeLicenses(document.Licenses, top.Optional("licenses") is null ? [] : ReadLicenses(top));
        CheckBaseLicenses(top, document, licenses);
        var known = new LicenseIds(licenses);
        OrganisationSettings organisationSettings = top.Optional("organisation") is { } organisation ? ReadOrganisation(top.File, organisation, document, known) : OrganisationSettings.Default;
        RuleSettings ruleSettings = top.Optional("rules") is { } rules ? ReadRules(top.File, rules) : RuleSettings.Default;
        return document with
        {
            Licenses = licenses,
            Organisation = organisationSettings,
            Rules = ruleSettings.WithUnknownLicenseDefault(organisationSettings.Commercial),
            FailOn = top.Optional("fail-on") is { } failOn ? Word(top.File, "fail-on", failOn, FailOnWords) switch
            {
                "warning" => FailOn.Warning,
                "never" => FailOn.Never,
                _ => FailOn.Error,
            } : FailOn.Error,
            DerivationEvidence = top.Optional("evidence") is { } evidence
                ? EvidenceLevels.Parse(Word(top.File, "evidence", evidence, EvidenceWords))!.Value
                : EvidenceLevel.Derived,
            Exemptions = top.Optional("exceptions") is null ? [] : top.RequiredList("exceptions").Select(node => ReadExemption(top.File, node)).ToArray(),
            Models = top.Optional("models") is null ? [] : top.RequiredList("models").Select(node => ReadModel(top.File, node, known)).ToArray(),
            Hub = top.Optional("hub") is not { } hub || Word(top.File, "hub", hub, HubWords) == "on",
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
        IReadOnlyList<string> texts = TextOrList(entry, "text");
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

    /// <summary>
    /// A base's license must have terms in the policy when it has any (the rules need them); without a <c>licenses:</c>
    /// section it must at least be a Hub license id.
    /// </summary>
    private static void CheckBaseLicenses(YamlMappingReader top, PolicyDocument document, IReadOnlyList<LicenseTerms> licenses)
    {
        foreach (PolicyBase model in document.LocalFamilies.SelectMany(f => f.Bases).Where(b => b.License is not null))
        {
            if (LicenseIds.UnknownBaseLicense(licenses, model.License!) is { } problem)
            {
                PolicyProblems.Report(top.Error(model.Position, $"base '{YamlTreeReader.Printable(model.Name)}' has license '{YamlTreeReader.Printable(model.License!)}', but {problem}"));
            }
        }
    }

    private static OrganisationSettings ReadOrganisation(string file, YamlNode node, PolicyDocument document, LicenseIds known)
    {
        var entry = YamlMappingReader.Open(file, node, "organisation", OrganisationKeys);
        string[] familyIds = document.Families.Select(f => f.Id).ToArray();
        IReadOnlyList<string> Families(string key) => TextItems(entry, key).Where(item =>
        {
            if (familyIds.Contains(item.Value, StringComparer.Ordinal))
            {
                return true;
            }

            string? suggestion = KeySuggestion.Nearest(item.Value, familyIds);
            PolicyProblems.Report(entry.Error(item.Position, $"'{key}' names family '{YamlTreeReader.Printable(item.Value)}', which the policy does not define; "
                + (suggestion is null ? $"families: {string.Join(", ", familyIds)}." : $"did you mean '{suggestion}'?")));
            return false;
        }).Select(item => item.Value).ToArray();

        IReadOnlyList<string> Licenses(string key) => TextItems(entry, key)
            .Where(item => known.Check(entry, key, item))
            .Select(item => item.Value.ToLowerInvariant())
            .ToArray();

        return new OrganisationSettings(
            Boolean(entry, "commercial") ?? false,
            Families("allowed-families"),
            Families("denied-families"),
            Licenses("allowed-licenses"),
            Licenses("denied-licenses"));
    }

    private static RuleSettings ReadRules(string file, YamlNode node)
    {
        var entry = YamlMappingReader.Open(file, node, "rules", [.. RuleIds.DefaultSeverities.Keys]);
        var severities = new Dictionary<string, Severity>(RuleIds.DefaultSeverities, StringComparer.Ordinal);
        foreach ((YamlScalar key, YamlNode value) in entry.Mapping.Entries.Where(e => RuleIds.DefaultSeverities.ContainsKey(e.Key.Value)))
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

        return new RuleSettings(severities) { Explicit = entry.Mapping.Entries.Select(e => e.Key.Value).ToHashSet(StringComparer.Ordinal) };
    }

    private static PolicyExemption ReadExemption(string file, YamlNode node)
    {
        var entry = YamlMappingReader.Open(file, node, "exception", ExceptionKeys);
        string rule = entry.RequiredText("rule");
        if (!RuleIds.DefaultSeverities.ContainsKey(rule))
        {
            string? suggestion = KeySuggestion.Nearest(rule, RuleIds.DefaultSeverities.Keys);
            PolicyProblems.Report(entry.Error(entry.Required("rule").Position, $"unknown rule '{YamlTreeReader.Printable(rule)}'; "
                + (suggestion is null ? $"rules: {string.Join(", ", RuleIds.DefaultSeverities.Keys)}." : $"did you mean '{suggestion}'?")));
        }

        if (RuleIds.IsFixed(rule))
        {
            PolicyProblems.Report(entry.Error(entry.Required("rule").Position, $"'{rule}' cannot be excepted: an artifact that was not analysed must never read as clean; fix the file or stop selecting it."));
        }

        if (entry.Optional("reason") is null)
        {
            PolicyProblems.Report(entry.Error(node.Position, "the exception has no 'reason'; say why the finding is accepted (a ticket, an agreement, a license reference)."));
        }

        DateOnly? expires = entry.Optional("expires") is { } date ? Date(entry, "expires", date) : null;
        return new PolicyExemption(entry.RequiredText("model"), rule, entry.OptionalText("reason") ?? string.Empty, expires, node.Position);
    }

    /// <summary>A date written YYYY-MM-DD; one that does not exist (2027-02-30) is called impossible, not malformed.</summary>
    private static DateOnly? Date(YamlMappingReader entry, string key, YamlNode node)
    {
        string text = node is YamlScalar scalar ? scalar.Value : node.Kind;
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out DateOnly parsed))
        {
            return parsed;
        }

        bool shaped = text.Length == 10 && text[4] == '-' && text[7] == '-' && text.Remove(7, 1).Remove(4, 1).All(char.IsAsciiDigit);
        PolicyProblems.Report(entry.Error(node.Position, shaped
            ? $"'{key}: {text}' is an impossible date (that month has no such day); write a real date, YYYY-MM-DD."
            : $"'{key}' must be a date written YYYY-MM-DD (e.g. 2027-06-30), not '{YamlTreeReader.Printable(text)}'."));
        return null;
    }

    private static ModelSelection ReadModel(string file, YamlNode node, LicenseIds known)
    {
        var entry = YamlMappingReader.Open(file, node, "model", ModelKeys);
        if (entry.Optional("license") is YamlScalar license)
        {
            known.Check(entry, "license", license);
        }

        string path = entry.RequiredText("path");
        if (Path.IsPathRooted(path) || path.Replace('\\', '/').Split('/').Contains(".."))
        {
            throw entry.Error(entry.Required("path").Position, $"model path '{YamlTreeReader.Printable(path)}' must stay inside the repository; write it relative to the repository root without '..'.");
        }

        IReadOnlyList<string> bases = TextOrList(entry, "base-model");
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

    /// <summary>A text or a list of texts (where the schema allows both), as a list; empty when absent.</summary>
    private static IReadOnlyList<string> TextOrList(YamlMappingReader entry, string key) =>
        entry.Optional(key) is YamlScalar { Value.Length: > 0 } scalar ? [scalar.Value] : TextList(entry, key);

    /// <summary>A list of texts; empty when absent.</summary>
    private static IReadOnlyList<string> TextList(YamlMappingReader entry, string key) => TextItems(entry, key).Select(item => item.Value).ToArray();

    /// <summary>
    /// The items of a list of texts, with their positions. A single text is refused: <c>allowed-licenses: apache-2.0, mit</c>
    /// is one license id "apache-2.0, mit" to YAML, which would silently allow nothing.
    /// </summary>
    private static IReadOnlyList<YamlScalar> TextItems(YamlMappingReader entry, string key)
    {
        switch (entry.Optional(key))
        {
            case null:
                return [];
            case YamlSequence sequence:
                var items = new List<YamlScalar>();
                foreach (YamlNode item in sequence.Items)
                {
                    if (item is YamlScalar { Value.Length: > 0 } text)
                    {
                        items.Add(text);
                    }
                    else
                    {
                        PolicyProblems.Report(entry.Error(item.Position, $"'{key}' must list non-empty texts, not {item.Kind}."));
                    }
                }

                return items;
            case YamlScalar scalar:
                string[] parts = scalar.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                PolicyProblems.Report(entry.Error(scalar.Position, $"'{key}' must be a list, not text; write {key}: [{string.Join(", ", parts.Select(YamlTreeReader.Printable))}]."));
                return [];
            case { } other:
                PolicyProblems.Report(entry.Error(other.Position, $"'{key}' must be a list of texts, not {other.Kind}."));
                return [];
        }
    }

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
