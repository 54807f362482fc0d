namespace TensorGuard.Core.Policy;

/// <summary>
/// Loads a policy file: YAML without anchors or aliases, known keys only, every error located by line
/// and column. New sections add their keys to <see cref="TopLevelKeys"/> and a reader method here.
/// </summary>
public static class PolicyLoader
{
    public const int SupportedVersion = 1;

    private static readonly string[] TopLevelKeys = ["version", "families", "catalogue", .. GateSectionReader.TopLevelKeys];
    private static readonly string[] FamilyKeys = ["id", "name", "bases", "covers", "notices"];
    private static readonly string[] BaseKeys = ["name", "version", "license", "fingerprint", "features", "aliases"];

    public static PolicyDocument Load(string path)
    {
        YamlNode root = YamlTreeReader.ReadFile(path);
        string fullPath = System.IO.Path.GetFullPath(path);
        string rootDirectory = RepositoryRoot.Of(System.IO.Path.GetDirectoryName(fullPath)!);
        return Read(root, path, rootDirectory);
    }

    /// <summary>Reads a parsed policy; file references resolve against <paramref name="rootDirectory"/>'s rules.</summary>
    public static PolicyDocument Read(YamlNode document, string path, string rootDirectory)
    {
        var top = YamlMappingReader.Open(path, document, "policy", TopLevelKeys);
        int version = top.RequiredInteger("version");
        if (version != SupportedVersion)
        {
            throw top.Error(top.Required("version").Position, $"policy version {version} is not supported; this TensorGuard reads version {SupportedVersion}.");
        }

        string policyDirectory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        var context = new Context(path, policyDirectory, rootDirectory);
        var families = top.RequiredList("families").Select(context.ReadFamily).ToList();
        PolicyDocument policy = GateSectionReader.Read(top, new PolicyDocument(path, rootDirectory, version, families));
        if (top.Optional("catalogue") is { } catalogue)
        {
            policy = CatalogueBases.Attach(policy, BaseCatalogueLoader.Load(context.ResolveFile(top, "catalogue", catalogue).FullPath));
        }

        // A family may list its bases only in the catalogue; one without any base can classify nothing.
        if (policy.Families.FirstOrDefault(family => family.Bases.Count == 0) is { } empty)
        {
            throw new PolicyException(path, empty.Position, $"family '{YamlTreeReader.Printable(empty.Id)}' has no base models; add 'bases:' with at least one base and its fingerprint.");
        }

        return policy;
    }

    private sealed class Context(string file, string policyDirectory, string rootDirectory)
    {
        private readonly Dictionary<string, SourcePosition> familyIds = new(StringComparer.Ordinal);
        private readonly Dictionary<string, SourcePosition> baseNames = new(StringComparer.OrdinalIgnoreCase);

        public PolicyFamily ReadFamily(YamlNode node)
        {
            var family = YamlMappingReader.Open(file, node, "family", FamilyKeys);
            string id = family.RequiredText("id");
            if (!familyIds.TryAdd(id, node.Position))
            {
                throw family.Error(family.Required("id").Position, $"family '{YamlTreeReader.Printable(id)}' is listed twice (first at line {familyIds[id].Line}).");
            }

            var bases = family.Optional("bases") is null ? [] : family.RequiredList("bases").Select(item => ReadBase(item, id)).ToList();
            return new PolicyFamily(id, family.OptionalText("name") ?? id, bases, node.Position)
            {
                Covers = GateSectionReader.Covers(family),
                Notices = GateSectionReader.Notices(family),
            };
        }

        private PolicyBase ReadBase(YamlNode node, string familyId)
        {
            var entry = YamlMappingReader.Open(file, node, "base", BaseKeys);
            string name = entry.RequiredText("name");
            if (!baseNames.TryAdd(name, node.Position))
            {
                throw entry.Error(entry.Required("name").Position, $"base '{YamlTreeReader.Printable(name)}' is listed twice (first at line {baseNames[name].Line}); list each base once.");
            }

            YamlNode? fileReference = entry.Optional("fingerprint");
            YamlNode? inline = entry.Optional("features");
            BaseFingerprintSource source = (fileReference, inline) switch
            {
                (null, null) => throw entry.Error(node.Position, $"base '{YamlTreeReader.Printable(name)}' has no fingerprint; add 'fingerprint: FILE.json' or inline 'features:'."),
                (not null, not null) => throw entry.Error(inline.Position, $"base '{YamlTreeReader.Printable(name)}' has both 'fingerprint' and 'features'; keep one."),
                (not null, null) => ResolveFile(entry, "fingerprint", fileReference),
                (null, not null) => ReadInline(inline),
            };

            return new PolicyBase(name, familyId, entry.OptionalText("version"), entry.OptionalText("license"), source, node.Position)
            {
                Aliases = GateSectionReader.Aliases(entry),
            };
        }

        /// <summary>A file the policy names under <paramref name="key"/>: relative to the policy, inside its root, existing.</summary>
        public FingerprintFile ResolveFile(YamlMappingReader entry, string key, YamlNode reference)
        {
            string written = entry.RequiredText(key);
            if (System.IO.Path.IsPathRooted(written))
            {
                throw entry.Error(reference.Position, $"{key} '{YamlTreeReader.Printable(written)}' is an absolute path; write it relative to the policy file.");
            }

            string full = System.IO.Path.GetFullPath(System.IO.Path.Combine(policyDirectory, written));
            if (!RepositoryRoot.Contains(rootDirectory, full))
            {
                throw entry.Error(reference.Position, $"{key} '{YamlTreeReader.Printable(written)}' points outside {rootDirectory}; keep {key} files inside the repository.");
            }

            if (!File.Exists(full))
            {
                throw entry.Error(reference.Position, $"{key} file '{YamlTreeReader.Printable(written)}' does not exist (looked for {full}).");
            }

            if (RepositoryRoot.LinkLeavingRoot(rootDirectory, full) is { } link)
            {
                throw entry.Error(reference.Position, $"{key} '{YamlTreeReader.Printable(written)}' goes through the link {link}, which leads outside {rootDirectory}.");
            }

            return new FingerprintFile(full, written);
        }

        private InlineFeatures ReadInline(YamlNode node)
        {
            if (node is not YamlMapping mapping || mapping.Entries.Count == 0)
            {
                throw new PolicyException(file, node.Position, "'features' must be a non-empty mapping of feature names to numbers.");
            }

            var features = mapping.Entries.ToDictionary(
                pair => pair.Key.Value,
                pair => YamlMappingReader.Number(file, pair.Key.Value, pair.Value),
                StringComparer.Ordinal);
            return new InlineFeatures(features);
        }
    }
}
