namespace TensorGuard.Core.Policy;

/// <summary>
/// The license ids a policy may name in its lists: its own <c>licenses:</c> and the Hub's (<see cref="HubLicenses"/>).
/// An id that is neither is a typo (<c>llama-3.1</c> for <c>llama3.1</c>) that would deny or allow nothing.
/// </summary>
public sealed class LicenseIds(IReadOnlyList<LicenseTerms> licenses)
{
    /// <summary>
    /// Why a base may not name <paramref name="license"/>, or null when it may: with a <c>licenses:</c> section it must
    /// be one of them (the rules need its terms), without one a Hub license id.
    /// </summary>
    public static string? UnknownBaseLicense(IReadOnlyList<LicenseTerms> licenses, string license)
    {
        string[] ids = licenses.Count > 0 ? licenses.Select(l => l.Id).ToArray() : [.. HubLicenses.Ids];
        if (ids.Contains(license, StringComparer.OrdinalIgnoreCase))
        {
            return null;
        }

        string? suggestion = KeySuggestion.Nearest(license, ids);
        return (licenses.Count > 0 ? "'licenses' does not define it; " : "it is not a Hugging Face Hub license id; ")
            + (suggestion is null ? "add it to 'licenses'." : $"did you mean '{suggestion}'?");
    }

    private readonly string[] _known = [.. licenses.Select(l => l.Id), .. HubLicenses.Ids.Where(id => !licenses.Any(l => string.Equals(l.Id, id, StringComparison.OrdinalIgnoreCase)))];

    /// <summary>Whether <paramref name="item"/> is a known id; reports it with the nearest known id when not.</summary>
    internal bool Check(YamlMappingReader entry, string key, YamlScalar item)
    {
        if (_known.Contains(item.Value, StringComparer.OrdinalIgnoreCase))
        {
            return true;
        }

        string? suggestion = KeySuggestion.Nearest(item.Value, _known);
        PolicyProblems.Report(entry.Error(item.Position, $"'{key}' names license '{YamlTreeReader.Printable(item.Value)}', which is neither in the policy's licenses nor a Hugging Face Hub license id; "
            + (suggestion is null ? "add it to 'licenses:' with its terms, or correct the id." : $"did you mean '{suggestion}'?")));
        return false;
    }
}
