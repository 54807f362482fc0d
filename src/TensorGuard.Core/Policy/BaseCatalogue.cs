using System.Text.RegularExpressions;

namespace TensorGuard.Core.Policy;

/// <summary>
/// A catalogue of published base models (<c>policies/catalogue.yml</c>): the Hub repositories whose lineage sketches
/// <c>tensorguard catalogue build</c> writes to <see cref="DocumentsDirectory"/>, one <c>&lt;id&gt;.json</c> each,
/// and that a policy's <c>catalogue:</c> key turns into bases.
/// </summary>
/// <param name="Path">The catalogue file as given.</param>
/// <param name="DocumentsDirectory">Full path of the folder holding the built documents.</param>
/// <param name="Entries">The bases, in file order.</param>
public sealed record BaseCatalogue(string Path, string DocumentsDirectory, IReadOnlyList<CatalogueEntry> Entries)
{
    /// <summary>The document of <paramref name="entry"/>: built or not, this is where it belongs.</summary>
    public string DocumentPath(CatalogueEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return System.IO.Path.Combine(DocumentsDirectory, entry.Id + ".json");
    }
}

/// <summary>One base model of the catalogue.</summary>
/// <param name="Id">File-name-safe identifier: the document is <c>&lt;Id&gt;.json</c>.</param>
/// <param name="Repo">The Hub repository (<c>ORG/NAME</c>); also the base's name in policies and reports.</param>
/// <param name="Revision">The revision to sketch: a commit SHA, or a branch such as <c>main</c> whose commit the build records.</param>
/// <param name="Family">The policy family the base belongs to.</param>
/// <param name="License">The base's license id (one of the policy's licenses).</param>
/// <param name="Gated">Whether the Hub asks users to accept terms before download (the build then needs a token).</param>
/// <param name="Source">Where the license id was read (the model card), for reviewers.</param>
public sealed record CatalogueEntry(string Id, string Repo, string Revision, string Family, string License, bool Gated, string? Source, SourcePosition Position)
{
    /// <summary>The model reference the build opens: <c>hf://Repo@Revision</c>.</summary>
    public string Reference => $"hf://{Repo}@{Revision}";
}

/// <summary>Reads and validates a catalogue file; every error is located by line and column.</summary>
public static partial class BaseCatalogueLoader
{
    private static readonly string[] TopLevelKeys = ["version", "documents", "bases"];
    private static readonly string[] EntryKeys = ["id", "repo", "revision", "family", "license", "gated", "source"];

    /// <summary>Loads <paramref name="path"/>; its <c>documents</c> folder (default <c>catalogue</c>) is relative to it.</summary>
    /// <exception cref="PolicyException">The file is missing, not valid YAML, or an entry is invalid.</exception>
    public static BaseCatalogue Load(string path)
    {
        YamlNode root = YamlTreeReader.ReadFile(path);
        var top = YamlMappingReader.Open(path, root, "catalogue", TopLevelKeys);
        int version = top.RequiredInteger("version");
        if (version != PolicyLoader.SupportedVersion)
        {
            throw top.Error(top.Required("version").Position, $"catalogue version {version} is not supported; this TensorGuard reads version {PolicyLoader.SupportedVersion}.");
        }

        string documents = top.OptionalText("documents") ?? "catalogue";
        if (System.IO.Path.IsPathRooted(documents))
        {
            throw top.Error(top.Required("documents").Position, $"documents '{YamlTreeReader.Printable(documents)}' is an absolute path; write it relative to the catalogue file.");
        }

        var ids = new Dictionary<string, SourcePosition>(StringComparer.OrdinalIgnoreCase);
        var repos = new Dictionary<string, SourcePosition>(StringComparer.OrdinalIgnoreCase);
        var entries = new List<CatalogueEntry>();
        foreach (YamlNode node in top.RequiredList("bases"))
        {
            CatalogueEntry entry = ReadEntry(path, node);
            if (!ids.TryAdd(entry.Id, node.Position))
            {
                throw new PolicyException(path, node.Position, $"id '{entry.Id}' is listed twice (first at line {ids[entry.Id].Line}); ids name the documents, so each must be unique.");
            }

            if (!repos.TryAdd(entry.Repo, node.Position))
            {
                throw new PolicyException(path, node.Position, $"repo '{entry.Repo}' is listed twice (first at line {repos[entry.Repo].Line}); list each base once.");
            }

            entries.Add(entry);
        }

        string directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        return new BaseCatalogue(path, System.IO.Path.GetFullPath(System.IO.Path.Combine(directory, documents)), entries);
    }

    private static CatalogueEntry ReadEntry(string file, YamlNode node)
    {
        var entry = YamlMappingReader.Open(file, node, "catalogue entry", EntryKeys);
        string id = Checked(entry, "id", entry.RequiredText("id"), IdPattern(), "lower-case letters, digits, '.', '-' and '_', starting with a letter or digit");
        string repo = Checked(entry, "repo", entry.RequiredText("repo"), RepoPattern(), "a Hub repository id ORG/NAME");
        string revision = Checked(entry, "revision", entry.OptionalText("revision") ?? "main", RevisionPattern(), "a commit SHA or a branch or tag name");
        return new CatalogueEntry(id, repo, revision, entry.RequiredText("family"), entry.RequiredText("license").ToLowerInvariant(),
            GateSectionReader.Boolean(entry, "gated") ?? false, entry.OptionalText("source"), node.Position);
    }

    private static string Checked(YamlMappingReader entry, string key, string value, Regex pattern, string expected)
    {
        if (!pattern.IsMatch(value) || value.Contains("..", StringComparison.Ordinal))
        {
            throw entry.Error(entry.Optional(key)?.Position ?? entry.Mapping.Position, $"'{key}' is '{YamlTreeReader.Printable(value)}'; it must be {expected}.");
        }

        return value;
    }

    [GeneratedRegex(@"^[a-z0-9][a-z0-9._-]{0,95}$")]
    private static partial Regex IdPattern();

    // The Hub's own rule for repository names: letters, digits, '-', '_', '.'; at most 96 characters a part.
    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")]
    private static partial Regex RepoPattern();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$")]
    private static partial Regex RevisionPattern();
}
