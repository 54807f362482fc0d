using TensorGuard.Core.Formats;
using TensorGuard.Core.Formats.Gguf;

namespace TensorGuard.Core.Compliance;

/// <summary>
/// What an opened artifact declares inside its weights rather than in a model card: a GGUF file's <c>general.name</c>,
/// <c>general.license</c> and <c>general.base_model.N.*</c> (llama.cpp copies them from the card it converted), and a
/// PEFT adapter's <c>base_model_name_or_path</c>. They only fill what the card and the overrides leave open.
/// </summary>
public static class EmbeddedDeclarations
{
    private const string HubPrefix = "https://huggingface.co/";

    /// <summary><paramref name="identity"/> with its gaps filled from <paramref name="model"/>'s own declarations.</summary>
    public static DeclaredIdentity Fill(DeclaredIdentity identity, LoadedModel model)
    {
        IReadOnlyList<string> bases = model.MergedAdapter is { } merged
            ? merged.Adapter.Config.BaseModel is { Length: > 0 } adapterBase ? [adapterBase.Trim()] : []
            : IsGguf(model) ? GgufBases(model.Metadata) : [];
        string? name = IsGguf(model) ? NonEmpty(model.Metadata.GetValueOrDefault("general.name")) : null;
        string? license = IsGguf(model) ? NonEmpty(model.Metadata.GetValueOrDefault("general.license")) : null;
        return identity with
        {
            Name = name is not null && identity.Name.Source == DeclarationSource.FileName ? new(name, DeclarationSource.FileMetadata) : identity.Name,
            License = identity.License ?? (license is null ? null : new(DeclaredIdentityReader.NormaliseLicense(license), DeclarationSource.FileMetadata)),
            BaseModels = identity.BaseModels ?? (bases.Count == 0 ? null : new(bases, DeclarationSource.FileMetadata)),
        };
    }

    private static bool IsGguf(LoadedModel model) => model.Format.Split('+').Contains(GgufFile.FormatName, StringComparer.Ordinal);

    // general.base_model.count entries; each named by its Hub id when repo_url points at the Hub, else by its name.
    private static string[] GgufBases(IReadOnlyDictionary<string, string> metadata)
    {
        if (!int.TryParse(metadata.GetValueOrDefault("general.base_model.count"), out int count) || count <= 0)
        {
            return [];
        }

        return Enumerable.Range(0, Math.Min(count, 64))
            .Select(i => NonEmpty(metadata.GetValueOrDefault($"general.base_model.{i}.repo_url")) is { } url && url.StartsWith(HubPrefix, StringComparison.OrdinalIgnoreCase)
                ? NonEmpty(url[HubPrefix.Length..].TrimEnd('/'))
                : NonEmpty(metadata.GetValueOrDefault($"general.base_model.{i}.name")))
            .OfType<string>()
            .ToArray();
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
