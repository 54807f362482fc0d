namespace TensorGuard.Core.Policy;

/// <summary>
/// What the organisation running the gate allows (<c>organisation:</c>): empty allow-lists allow everything,
/// deny-lists win over allow-lists.
/// </summary>
/// <param name="Commercial">The models ship in a commercial product: non-commercial licenses are findings.</param>
public sealed record OrganisationSettings(
    bool Commercial,
    IReadOnlyList<string> AllowedFamilies,
    IReadOnlyList<string> DeniedFamilies,
    IReadOnlyList<string> AllowedLicenses,
    IReadOnlyList<string> DeniedLicenses)
{
    public static readonly OrganisationSettings Default = new(false, [], [], [], []);

    public bool AllowsFamily(string family) => Allows(family, AllowedFamilies, DeniedFamilies);

    public bool AllowsLicense(string license) => Allows(license, AllowedLicenses, DeniedLicenses);

    private static bool Allows(string id, IReadOnlyList<string> allowed, IReadOnlyList<string> denied) =>
        !denied.Contains(id, StringComparer.OrdinalIgnoreCase)
        && (allowed.Count == 0 || allowed.Contains(id, StringComparer.OrdinalIgnoreCase));
}
