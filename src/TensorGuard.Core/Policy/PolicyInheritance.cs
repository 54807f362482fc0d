namespace TensorGuard.Core.Policy;

/// <summary>
/// <c>extends:</c>: a policy starts from another's families, bases and licenses (<c>default</c>, the policy shipped
/// with TensorGuard, or a policy file in the repository) and overrides them by id: a local license replaces the
/// inherited one with its id, a local family with an inherited family's id adds its bases to it (a local base
/// replaces an inherited one of the same name). The organisation, rules, fail-on, exceptions and models are the
/// extending policy's own: they say what this repository decides, which it should not inherit silently.
/// </summary>
internal sealed class PolicyInheritance(string? bundledPolicy)
{
    /// <summary>How many policies a chain of <c>extends:</c> may hold; real ones have one or two.</summary>
    private const int MaxDepth = 8;

    private readonly List<string> _chain = [];

    /// <summary>The policy <c>extends: default</c> names; null when the caller has none.</summary>
    public string? BundledPolicy => bundledPolicy;

    /// <summary>Loads the policy <paramref name="extends"/> names, relative to the extending policy's folder.</summary>
    public PolicyDocument Parent(YamlMappingReader top, YamlNode extends, string policyDirectory, string rootDirectory)
    {
        string written = top.RequiredText("extends");
        string path;
        if (written == PolicyLoader.DefaultPolicyName)
        {
            path = bundledPolicy ?? throw top.Error(extends.Position, "'extends: default' needs TensorGuard's bundled policy, which this caller does not provide; name a policy file instead.");
        }
        else
        {
            path = Path.GetFullPath(Path.Combine(policyDirectory, written));
            if (Path.IsPathRooted(written) || !RepositoryRoot.Contains(rootDirectory, path))
            {
                throw top.Error(extends.Position, $"'extends: {YamlTreeReader.Printable(written)}' must name 'default' or a policy file inside {rootDirectory}, written relative to this policy.");
            }

            if (!File.Exists(path))
            {
                throw top.Error(extends.Position, $"'extends: {YamlTreeReader.Printable(written)}': no such file (looked for {path}); write 'extends: default' for TensorGuard's bundled policy.");
            }
        }

        string full = Path.GetFullPath(path);
        string self = Path.GetFullPath(top.File);
        if (full == self || _chain.Contains(full))
        {
            throw top.Error(extends.Position, $"'extends: {YamlTreeReader.Printable(written)}' leads back to {full}; a policy cannot extend itself.");
        }

        if (_chain.Count >= MaxDepth)
        {
            throw top.Error(extends.Position, $"more than {MaxDepth} policies extend each other; flatten the chain.");
        }

        _chain.Add(self);
        return PolicyLoader.LoadParent(full, this);
    }

    /// <summary>The inherited families with the local ones merged in by id (see the type's summary).</summary>
    public static IReadOnlyList<PolicyFamily> MergeFamilies(IReadOnlyList<PolicyFamily> inherited, IReadOnlyList<PolicyFamily> local)
    {
        var localBases = local.SelectMany(f => f.Bases).Select(b => b.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var merged = inherited
            .Select(family => family with { Bases = family.Bases.Where(b => !localBases.Contains(b.Name)).ToArray() })
            .ToList();
        foreach (PolicyFamily family in local)
        {
            int index = merged.FindIndex(f => f.Id == family.Id);
            if (index < 0)
            {
                merged.Add(family);
                continue;
            }

            PolicyFamily old = merged[index];
            merged[index] = family with
            {
                DisplayName = family.DisplayName == family.Id ? old.DisplayName : family.DisplayName,
                Bases = [.. old.Bases, .. family.Bases],
                Covers = family.Covers.Count > 0 ? family.Covers : old.Covers,
                Notices = family.Notices.Count > 0 ? family.Notices : old.Notices,
            };
        }

        // A local family may still be empty here: its bases can come from the catalogue (the loader checks afterwards).
        return merged.Where(f => f.Bases.Count > 0 || local.Any(l => l.Id == f.Id)).ToArray();
    }

    /// <summary>The inherited licenses, each replaced by a local one with its id, then the new local ones.</summary>
    public static IReadOnlyList<LicenseTerms> MergeLicenses(IReadOnlyList<LicenseTerms> inherited, IReadOnlyList<LicenseTerms> local) =>
        [
            .. inherited.Select(terms => local.FirstOrDefault(l => string.Equals(l.Id, terms.Id, StringComparison.OrdinalIgnoreCase)) ?? terms),
            .. local.Where(l => !inherited.Any(terms => string.Equals(l.Id, terms.Id, StringComparison.OrdinalIgnoreCase))),
        ];
}
