using System.Collections.Frozen;
using System.Text.Json;

namespace TensorGuard.Core.Reporting;

/// <summary>
/// The SPDX license ids of the vendored CycloneDX <c>spdx.schema.json</c> (embedded), so a Hub license id that is an SPDX
/// id (<c>apache-2.0</c>) is written with SPDX's spelling (<c>Apache-2.0</c>) and every other one as a license name.
/// </summary>
public static class SpdxLicenses
{
    private static readonly Lazy<FrozenDictionary<string, string>> Ids = new(Load);

    /// <summary>The SPDX id matching <paramref name="license"/> regardless of case, or null when it is none.</summary>
    public static string? Find(string license) => Ids.Value.GetValueOrDefault(license);

    private static FrozenDictionary<string, string> Load()
    {
        using Stream stream = typeof(SpdxLicenses).Assembly.GetManifestResourceStream("TensorGuard.Core.Reporting.spdx.schema.json")
            ?? throw new InvalidOperationException("the SPDX license list is not embedded in TensorGuard.Core");
        using JsonDocument schema = JsonDocument.Parse(stream);
        return schema.RootElement.GetProperty("enum").EnumerateArray()
            .Select(id => id.GetString()!)
            .DistinctBy(id => id, StringComparer.OrdinalIgnoreCase)
            .ToFrozenDictionary(id => id, StringComparer.OrdinalIgnoreCase);
    }
}
