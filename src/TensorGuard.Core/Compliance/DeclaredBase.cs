using TensorGuard.Core.Policy;

namespace TensorGuard.Core.Compliance;

/// <summary>
/// A declared <c>base_model</c> id resolved against the policy: the base it names (by name or alias), else the family
/// and license whose <c>covers</c> patterns match it; all null when the policy does not know it.
/// </summary>
public sealed record DeclaredBase(string Id, PolicyBase? Base, string? Family, string? License)
{
    public bool IsKnown => Base is not null || Family is not null || License is not null;

    /// <summary>The base the lineage tests name: the policy's base when the id resolves to one, else the id's last path segment.</summary>
    public string BaseName => Base?.Name ?? LastSegment(Id);

    public static DeclaredBase Resolve(string id, PolicyDocument policy)
    {
        string name = LastSegment(id);
        PolicyBase? named = policy.Bases.FirstOrDefault(b =>
            string.Equals(b.Name, name, StringComparison.OrdinalIgnoreCase)
            || b.Aliases.Contains(id, StringComparer.OrdinalIgnoreCase));
        if (named is not null)
        {
            return new DeclaredBase(id, named, named.FamilyId, named.License);
        }

        string? family = policy.Families.FirstOrDefault(f => f.Covers.Any(pattern => new Glob(pattern, ignoreCase: true).IsMatch(id)))?.Id;
        string? license = policy.Licenses.FirstOrDefault(l => l.Covers.Any(pattern => new Glob(pattern, ignoreCase: true).IsMatch(id)))?.Id;
        return new DeclaredBase(id, null, family, license);
    }

    private static string LastSegment(string id) => id.Contains('/', StringComparison.Ordinal) ? id[(id.LastIndexOf('/') + 1)..] : id;
}
