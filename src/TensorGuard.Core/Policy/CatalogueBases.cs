namespace TensorGuard.Core.Policy;

/// <summary>
/// Turns a policy's <c>catalogue:</c> into bases: each entry joins its family as a base named by its Hub repository,
/// with the entry's license and its document (built or not) as the fingerprint source.
/// </summary>
internal static class CatalogueBases
{
    /// <exception cref="PolicyException">An entry names a family or license the policy lacks, or a base the policy already has.</exception>
    public static PolicyDocument Attach(PolicyDocument policy, BaseCatalogue catalogue)
    {
        if (!RepositoryRoot.Contains(policy.Root, catalogue.DocumentsDirectory))
        {
            throw new PolicyException(catalogue.Path, new SourcePosition(1, 1), $"documents folder {catalogue.DocumentsDirectory} is outside {policy.Root}; keep catalogue documents inside the repository.");
        }

        string[] familyIds = policy.Families.Select(f => f.Id).ToArray();
        string[] licenseIds = policy.Licenses.Select(l => l.Id).ToArray();
        var names = policy.Bases.Select(b => b.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (CatalogueEntry entry in catalogue.Entries)
        {
            if (!familyIds.Contains(entry.Family, StringComparer.Ordinal))
            {
                throw new PolicyException(catalogue.Path, entry.Position, $"'{entry.Repo}' is in family '{YamlTreeReader.Printable(entry.Family)}', which {policy.Path} does not define; "
                    + (KeySuggestion.Nearest(entry.Family, familyIds) is { } family ? $"did you mean '{family}'?" : $"families: {string.Join(", ", familyIds)}."));
            }

            if (licenseIds.Length > 0 && !licenseIds.Contains(entry.License, StringComparer.OrdinalIgnoreCase))
            {
                throw new PolicyException(catalogue.Path, entry.Position, $"'{entry.Repo}' has license '{YamlTreeReader.Printable(entry.License)}', which {policy.Path} does not define; "
                    + (KeySuggestion.Nearest(entry.License, licenseIds) is { } license ? $"did you mean '{license}'?" : "add it to 'licenses'."));
            }

            if (!names.Add(entry.Repo))
            {
                throw new PolicyException(catalogue.Path, entry.Position, $"'{entry.Repo}' is already a base of {policy.Path}; remove one of the two.");
            }
        }

        var byFamily = catalogue.Entries.ToLookup(entry => entry.Family, StringComparer.Ordinal);
        return policy with
        {
            Catalogue = catalogue,
            Families = policy.Families.Select(family => family with
            {
                Bases = [.. family.Bases, .. byFamily[family.Id].Select(entry => Base(catalogue, entry))],
            }).ToArray(),
        };
    }

    private static PolicyBase Base(BaseCatalogue catalogue, CatalogueEntry entry) =>
        new(entry.Repo, entry.Family, Version: null, entry.License, new CatalogueDocument(catalogue.DocumentPath(entry), catalogue.Path, entry), entry.Position)
        {
            Aliases = [entry.Repo],
        };
}
