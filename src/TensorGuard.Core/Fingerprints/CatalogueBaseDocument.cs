using System.Text.Json;
using System.Text.Json.Nodes;

namespace TensorGuard.Core.Fingerprints;

/// <summary>
/// What <c>tensorguard catalogue build</c> writes for a base: its fingerprint document (so every command that reads
/// fingerprints reads it) with a <c>catalogue</c> section saying which Hub repository, revision and resolved commit it
/// was computed from, and the license and family it was catalogued under. Nothing in it depends on when or how fast it
/// was built, so rebuilding an unchanged base gives the same bytes.
/// </summary>
/// <param name="Id">The catalogue id (the file is <c>&lt;Id&gt;.json</c>).</param>
/// <param name="Repo">The Hub repository.</param>
/// <param name="Revision">The revision the catalogue asks for (a branch or a commit).</param>
/// <param name="ResolvedRevision">The commit that revision resolved to when the base was sketched.</param>
/// <param name="Family">The policy family.</param>
/// <param name="License">The license id.</param>
/// <param name="Gated">Whether the repository is gated on the Hub.</param>
/// <param name="Fingerprint">The fingerprint document.</param>
public sealed record CatalogueBaseDocument(string Id, string Repo, string Revision, string ResolvedRevision, string Family, string License, bool Gated, FingerprintDocument Fingerprint)
{
    /// <summary>The top-level key of the catalogue section.</summary>
    public const string Section = "catalogue";

    /// <summary>The document as JSON text ending in a newline: the fingerprint document with the catalogue section first.</summary>
    public string ToJson()
    {
        var root = (JsonObject)JsonNode.Parse(FingerprintWriter.ToJson(Fingerprint))!;
        root.Insert(0, Section, new JsonObject
        {
            ["id"] = Id,
            ["repo"] = Repo,
            ["revision"] = Revision,
            ["resolvedRevision"] = ResolvedRevision,
            ["family"] = Family,
            ["license"] = License,
            ["gated"] = Gated,
        });
        return root.ToJsonString(JsonSettings.Serializer) + "\n";
    }

    /// <summary>Reads a document written by <see cref="ToJson"/>.</summary>
    /// <exception cref="InvalidInputException">The file is missing, not a fingerprint, or has no valid catalogue section.</exception>
    public static CatalogueBaseDocument Read(string path)
    {
        FingerprintDocument fingerprint = FingerprintReader.Read(path);
        using JsonDocument json = JsonDocument.Parse(File.ReadAllBytes(path));
        if (!json.RootElement.TryGetProperty(Section, out JsonElement section) || section.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidInputException($"{path}: has no \"{Section}\" section, so it was not written by `tensorguard catalogue build`; rebuild it");
        }

        string Text(string key) =>
            section.TryGetProperty(key, out JsonElement value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
                ? text
                : throw new InvalidInputException($"{path}: {Section}.{key} is missing or not a text; rebuild it with `tensorguard catalogue build`");

        bool gated = section.TryGetProperty("gated", out JsonElement flag) && flag.ValueKind == JsonValueKind.True;
        return new CatalogueBaseDocument(Text("id"), Text("repo"), Text("revision"), Text("resolvedRevision"), Text("family"), Text("license"), gated, fingerprint);
    }
}
