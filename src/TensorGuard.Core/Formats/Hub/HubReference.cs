using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace TensorGuard.Core.Formats.Hub;

/// <summary>
/// A model on the Hugging Face Hub, written <c>hf://ORG/NAME[@REVISION][/PATH]</c>: a repository, a revision (branch,
/// tag or commit; <c>main</c> when left out) and optionally a file or folder inside it. Every part is checked against
/// the Hub's own rules before it goes into a URL, so a name cannot climb out of the repository (<c>..</c>), smuggle a
/// host, a query or an escape into the request, or hide control characters.
/// </summary>
public sealed partial record HubReference
{
    /// <summary>The scheme that marks a Hub reference.</summary>
    public const string Scheme = "hf://";

    /// <summary>The revision used when none is given.</summary>
    public const string DefaultRevision = "main";

    // huggingface_hub's validate_repo_id: word characters, '-' and '.', at most 96 characters, no "--" or "..".
    private const int MaxRepoIdLength = 96;

    private HubReference(string organization, string name, string revision, string path)
    {
        Organization = organization;
        Name = name;
        Revision = revision;
        Path = path;
    }

    /// <summary>The owner: a user or an organisation.</summary>
    public string Organization { get; }

    /// <summary>The repository's name.</summary>
    public string Name { get; }

    /// <summary><c>ORG/NAME</c>, as the Hub writes repository ids.</summary>
    public string RepoId => $"{Organization}/{Name}";

    /// <summary>The branch, tag or commit asked for.</summary>
    public string Revision { get; }

    /// <summary>A file or folder inside the repository, '/'-separated; empty for the repository's root.</summary>
    public string Path { get; }

    /// <summary>Whether <paramref name="text"/> is meant as a Hub reference (starts with <c>hf://</c>).</summary>
    public static bool IsHubReference([NotNullWhen(true)] string? text) => text is not null && text.StartsWith(Scheme, StringComparison.Ordinal);

    /// <summary>Parses <paramref name="text"/>.</summary>
    /// <exception cref="ModelFormatException">It is not a well-formed, safe Hub reference.</exception>
    public static HubReference Parse(string text)
    {
        if (!IsHubReference(text))
        {
            throw new ModelFormatException(text, $"is not a Hub reference; write {Scheme}ORG/NAME[@REVISION][/PATH]");
        }

        string rest = text[Scheme.Length..];
        int slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            throw Invalid(text, "names no repository; write hf://ORG/NAME (an organisation or user, then the model's name)");
        }

        string organization = rest[..slash];
        rest = rest[(slash + 1)..];
        int end = rest.IndexOfAny(['@', '/']);
        string name = end < 0 ? rest : rest[..end];
        rest = end < 0 ? string.Empty : rest[end..];
        string revision = DefaultRevision;
        if (rest.StartsWith('@'))
        {
            int pathStart = rest.IndexOf('/', StringComparison.Ordinal);
            revision = pathStart < 0 ? rest[1..] : rest[1..pathStart];
            rest = pathStart < 0 ? string.Empty : rest[pathStart..];
            CheckRevision(text, revision);
        }

        CheckRepoPart(text, organization, "organisation");
        CheckRepoPart(text, name, "model name");
        if (organization.Length + 1 + name.Length > MaxRepoIdLength)
        {
            throw Invalid(text, $"has a repository id longer than the Hub's {MaxRepoIdLength} characters");
        }

        // What is left is empty or "/PATH"; a folder may end with '/'.
        string path = rest.Length > 0 ? rest[1..] : string.Empty;
        path = path.EndsWith('/') ? path[..^1] : path;
        if (path.Length > 0)
        {
            CheckPath(text, path);
        }

        return new HubReference(organization, name, revision, path);
    }

    /// <summary>The same repository and path at another revision (the commit a branch resolved to).</summary>
    public HubReference AtRevision(string revision)
    {
        CheckRevision(ToString(), revision);
        return new HubReference(Organization, Name, revision, Path);
    }

    /// <summary>A file or folder inside this reference's repository (empty: its root), at its revision.</summary>
    /// <exception cref="ModelFormatException">The path is not a safe repository path.</exception>
    public HubReference WithPath(string path)
    {
        if (path.Length > 0)
        {
            CheckPath(ToString(), path);
        }

        return new HubReference(Organization, Name, Revision, path);
    }

    /// <summary>Whether <paramref name="path"/> is a path the Hub could hold and that stays inside the repository.</summary>
    public static bool IsSafePath(string path) => path.Length > 0 && path.Split('/').All(segment => SegmentPattern().IsMatch(segment) && segment is not "." and not "..");

    /// <inheritdoc />
    public override string ToString() =>
        Scheme + RepoId + (Revision == DefaultRevision && Path.Length == 0 ? string.Empty : "@" + Revision) + (Path.Length > 0 ? "/" + Path : string.Empty);

    private static void CheckRepoPart(string text, string part, string what)
    {
        if (!RepoPartPattern().IsMatch(part) || part.Contains("..", StringComparison.Ordinal) || part.Contains("--", StringComparison.Ordinal))
        {
            throw Invalid(text, $"has {what} \"{UntrustedText.Printable(part)}\"; the Hub allows letters, digits, '-', '_' and '.', not starting or ending with '-' or '.', without \"--\" or \"..\"");
        }
    }

    private static void CheckRevision(string text, string revision)
    {
        if (!RevisionPattern().IsMatch(revision) || revision.Contains("..", StringComparison.Ordinal))
        {
            throw Invalid(text, $"has revision \"{UntrustedText.Printable(revision)}\"; a revision is a branch, tag or commit of letters, digits, '-', '_' and '.'");
        }
    }

    private static void CheckPath(string text, string path)
    {
        if (!IsSafePath(path))
        {
            throw Invalid(text, $"has path \"{UntrustedText.Printable(path)}\"; a path inside the repository is '/'-separated names of letters, digits, '-', '_', '.' and '+', without \"..\", empty parts, schemes, queries or escapes");
        }
    }

    private static ModelFormatException Invalid(string text, string problem) => new(text, problem);

    [GeneratedRegex("^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$", RegexOptions.CultureInvariant)]
    private static partial Regex RepoPartPattern();

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}$", RegexOptions.CultureInvariant)]
    private static partial Regex RevisionPattern();

    [GeneratedRegex("^[A-Za-z0-9_.+-]{1,255}$", RegexOptions.CultureInvariant)]
    private static partial Regex SegmentPattern();
}
