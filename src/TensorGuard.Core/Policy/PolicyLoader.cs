namespace TensorGuard.Core.Policy;

/// <summary>
/// Loads a policy file: YAML without anchors or aliases, known keys only, every error located by line
/// and column, every problem of one file reported together (<see cref="PolicyProblems"/>). New sections add their
/// keys to <see cref="TopLevelKeys"/> and a reader method here. <c>extends:</c> starts from another policy's
/// families, bases and licenses (see <see cref="PolicyInheritance"/>).
/// </summary>
public static class PolicyLoader
{
    public const int SupportedVersion = 1;

    /// <summary>What <c>extends:</c> writes to build on the policy shipped with TensorGuard.</summary>
    public const string DefaultPolicyName = "default";

    private static readonly string[] TopLevelKeys = ["version", "extends", "families", "catalogue", .. GateSectionReader.TopLevelKeys];
    private static readonly string[] FamilyKeys = ["id", "name", "bases", "references", "covers", "notices"];
    private static readonly string[] BaseKeys = ["name", "version", "license", "fingerprint", "features", "aliases"];
    private static readonly string[] ReferenceKeys = ["name", "fingerprint", "features"];

    /// <summary>Loads <paramref name="path"/>; <paramref name="bundledPolicy"/> is what <c>extends: default</c> means.</summary>
    public static PolicyDocument Load(string path, string? bundledPolicy = null) =>
        Load(path, bundledPolicy, new PolicyInheritance(bundledPolicy));

    /// <summary>Loads the policy discovery chose, remembering whether it is the bundled default.</summary>
    public static PolicyDocument Load(PolicyUsed used, string? bundledPolicy = null) =>
        Load(used.Path, bundledPolicy) with { Bundled = used.Bundled };

    /// <summary>Reads a parsed policy; file references resolve against <paramref name="rootDirectory"/>'s rules.</summary>
    public static PolicyDocument Read(YamlNode document, string path, string rootDirectory, string? bundledPolicy = null) =>
        PolicyProblems.Collect(() => ReadTree(document, path, rootDirectory, new PolicyInheritance(bundledPolicy)));

    private static PolicyDocument Load(string path, string? bundledPolicy, PolicyInheritance inheritance)
    {
        string fullPath = System.IO.Path.GetFullPath(path);
        string rootDirectory = RepositoryRoot.Of(System.IO.Path.GetDirectoryName(fullPath)!);
        return PolicyProblems.Collect(() => ReadTree(YamlTreeReader.ReadFile(path), path, rootDirectory, inheritance));
    }

    /// <summary>Loads a policy named by <c>extends:</c> (its own problems are reported on their own).</summary>
    internal static PolicyDocument LoadParent(string path, PolicyInheritance inheritance) =>
        Load(path, inheritance.BundledPolicy, inheritance);

    private static PolicyDocument ReadTree(YamlNode document, string path, string rootDirectory, PolicyInheritance inheritance)
    {
        var top = YamlMappingReader.Open(path, document, "policy", TopLevelKeys, Misplaced);
        if (top.Optional("version") is null)
        {
            throw top.Error(top.Mapping.Position, $"the policy has no 'version'; add 'version: {SupportedVersion}' as its first line.");
        }

        int version = top.RequiredInteger("version");
        if (version != SupportedVersion)
        {
            throw top.Error(top.Required("version").Position, $"policy version {version} is not supported; this TensorGuard reads version {SupportedVersion}: write 'version: {SupportedVersion}'.");
        }

        string policyDirectory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        PolicyDocument? parent = top.Optional("extends") is { } extends ? inheritance.Parent(top, extends, policyDirectory, rootDirectory) : null;
        var context = new Context(path, policyDirectory, rootDirectory);
        // A policy may start without families (policy init, extends:); the gate refuses to run without any base.
        IReadOnlyList<YamlNode> familyNodes = top.Optional("families") is null or YamlSequence { Items.Count: 0 } ? [] : top.RequiredList("families");
        var families = familyNodes.Select(context.ReadFamily).ToList();
        PolicyDocument local = new PolicyDocument(path, rootDirectory, version, PolicyInheritance.MergeFamilies(parent?.Families ?? [], families))
        {
            LocalFamilies = families,
            Licenses = parent?.Licenses ?? [],
            Catalogue = parent?.Catalogue,
        };
        PolicyDocument policy = GateSectionReader.Read(top, local);
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

    /// <summary>The section a top-level key belongs under when it lost its indentation.</summary>
    private static string? Misplaced(string key) =>
        GateSectionReader.OrganisationKeys.Contains(key) ? "organisation"
        : RuleIds.DefaultSeverities.ContainsKey(key) ? "rules"
        : null;

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
            var references = family.Optional("references") is null
                ? []
                : family.RequiredList("references").Select(item => ReadReference(item, id)).ToList();
            return new PolicyFamily(id, family.OptionalText("name") ?? id, bases, node.Position)
            {
                References = references,
                Covers = GateSectionReader.Covers(family),
                Notices = GateSectionReader.Notices(family),
            };
        }

        private PolicyBase ReadBase(YamlNode node, string familyId)
        {
            var entry = YamlMappingReader.Open(file, node, "base", BaseKeys);
            (string name, BaseFingerprintSource source) = ReadLabelled(entry, node, "base");
            return new PolicyBase(name, familyId, entry.OptionalText("version"), entry.OptionalText("license"), source, node.Position)
            {
                Aliases = GateSectionReader.Aliases(entry),
            };
        }

        private PolicyReference ReadReference(YamlNode node, string familyId)
        {
            var entry = YamlMappingReader.Open(file, node, "reference", ReferenceKeys);
            (string name, BaseFingerprintSource source) = ReadLabelled(entry, node, "reference");
            return new PolicyReference(name, familyId, source, node.Position);
        }

        /// <summary>The name and fingerprint every labelled model has; names are unique over bases and references.</summary>
        private (string Name, BaseFingerprintSource Source) ReadLabelled(YamlMappingReader entry, YamlNode node, string kind)
        {
            string name = entry.RequiredText("name");
            if (!baseNames.TryAdd(name, node.Position))
            {
                throw entry.Error(entry.Required("name").Position, $"{kind} '{YamlTreeReader.Printable(name)}' is listed twice (first at line {baseNames[name].Line}); list each model once.");
            }

            YamlNode? fileReference = entry.Optional("fingerprint");
            YamlNode? inline = entry.Optional("features");
            BaseFingerprintSource source = (fileReference, inline) switch
            {
                (null, null) => throw entry.Error(node.Position, $"{kind} '{YamlTreeReader.Printable(name)}' has no fingerprint; add 'fingerprint: FILE.json' or inline 'features:'."),
                (not null, not null) => throw entry.Error(inline.Position, $"{kind} '{YamlTreeReader.Printable(name)}' has both 'fingerprint' and 'features'; keep one."),
                (not null, null) => ResolveFile(entry, "fingerprint", fileReference),
                (null, not null) => ReadInline(inline),
            };
            return (name, source);
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
