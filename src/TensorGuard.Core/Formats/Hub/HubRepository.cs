using System.Text.Json;
using System.Text.RegularExpressions;

namespace TensorGuard.Core.Formats.Hub;

/// <summary>A file a Hub repository lists: its path, size and, for LFS files, SHA-256.</summary>
public sealed record HubFileEntry(string Path, long Size, string? Sha256);

/// <summary>
/// A Hub repository at one commit: the revision asked for resolved to its commit SHA (<c>/api/models/{repo}/revision/{rev}</c>),
/// the files listed by the tree API (<c>/api/models/{repo}/tree/{commit}?recursive=true</c>, followed page by page through the
/// <c>Link</c> header), and small files (model card, config, index) kept in the cache directory by repository and commit,
/// which never change, so a later run reads them from disk.
/// </summary>
public sealed partial class HubRepository
{
    private const int MaxApiBytes = 16 << 20;
    private const int MaxPages = 200;

    private HubRepository(HubClient client, HubReference reference, IReadOnlyList<HubFileEntry> files)
    {
        Client = client;
        Reference = reference;
        Files = files;
    }

    /// <summary>The client the repository is read through.</summary>
    public HubClient Client { get; }

    /// <summary>The reference asked for, at the commit its revision resolved to.</summary>
    public HubReference Reference { get; }

    /// <summary>The commit SHA.</summary>
    public string Commit => Reference.Revision;

    /// <summary>Every file at the commit, sorted by path.</summary>
    public IReadOnlyList<HubFileEntry> Files { get; }

    /// <summary>Resolves <paramref name="reference"/>'s revision to a commit and lists the repository's files there.</summary>
    /// <exception cref="HubException">The Hub cannot be reached, refuses access, or has no such repository or revision.</exception>
    public static HubRepository Open(HubClient client, HubReference reference)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(reference);
        string text = reference.ToString();
        string repo = HubClient.Escape(reference.RepoId);
        (byte[] info, _) = client.GetSmall(text, client.Url($"api/models/{repo}/revision/{Uri.EscapeDataString(reference.Revision)}"), "the model's revision", MaxApiBytes);
        string commit = ReadCommit(text, info);
        HubReference resolved = reference.AtRevision(commit);
        return new HubRepository(client, resolved, ListFiles(client, resolved));
    }

    /// <summary>The listed file at <paramref name="path"/>, or null.</summary>
    public HubFileEntry? Find(string path) => Files.FirstOrDefault(file => file.Path == path);

    /// <summary>The resolve URL of a file at the commit.</summary>
    public Uri ResolveUrl(string path) => Client.ResolveUrl(Reference, Commit, path);

    /// <summary>The reference of a file or folder at the commit, as documents record it.</summary>
    public string ReferenceOf(string path) => Reference.WithPath(path).ToString();

    /// <summary>The local folder that mirrors <paramref name="folder"/> of the repository at this commit (created).</summary>
    public string LocalFolder(string folder)
    {
        string root = System.IO.Path.Combine(Client.Options.CacheDirectory, "hub", Reference.Organization, Reference.Name, Commit);
        string local = folder.Length == 0 ? root : System.IO.Path.Combine(root, System.IO.Path.Combine(folder.Split('/')));
        try
        {
            Directory.CreateDirectory(local);
        }
        catch (Exception error) when (FileErrors.IsFileSystemError(error))
        {
            throw new ModelFormatException(local, $"cannot create the Hub cache folder ({FileErrors.Describe(error)}); set TENSORGUARD_CACHE_DIR to a writable folder");
        }

        return local;
    }

    /// <summary>
    /// The local copy of the small file <paramref name="entry"/> (a card, a config, an index), downloaded into
    /// <see cref="LocalFolder"/> on first use.
    /// </summary>
    /// <exception cref="HubException">The file is larger than <paramref name="maxBytes"/> or cannot be downloaded.</exception>
    public string Download(HubFileEntry entry, int maxBytes)
    {
        ArgumentNullException.ThrowIfNull(entry);
        int slash = entry.Path.LastIndexOf('/');
        string local = System.IO.Path.Combine(LocalFolder(slash < 0 ? string.Empty : entry.Path[..slash]), entry.Path[(slash + 1)..]);
        if (File.Exists(local) && new FileInfo(local).Length == entry.Size)
        {
            return local;
        }

        if (entry.Size > maxBytes)
        {
            throw new HubException(ReferenceOf(entry.Path), HubErrorKind.BadResponse, $"is listed with {entry.Size} bytes, more than the {maxBytes} read for this kind of file");
        }

        (byte[] body, _) = Client.GetSmall(ReferenceOf(entry.Path), ResolveUrl(entry.Path), "the file", maxBytes);
        if (body.Length != entry.Size)
        {
            throw new HubException(ReferenceOf(entry.Path), HubErrorKind.BadResponse, $"the Hub served {body.Length} bytes, but its file list gives {entry.Size}; the answer is corrupt or cut off, try again later");
        }

        try
        {
            Gate.FingerprintCache.WriteAtomically(local, body);
        }
        catch (Exception error) when (FileErrors.IsFileSystemError(error))
        {
            throw new ModelFormatException(local, $"cannot write the Hub cache ({FileErrors.Describe(error)}); set TENSORGUARD_CACHE_DIR to a writable folder");
        }

        return local;
    }

    /// <summary>Opens the weights file <paramref name="entry"/> for reading by ranges.</summary>
    /// <exception cref="HubException">The file cannot be read.</exception>
    public RemoteFile OpenRemote(HubFileEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return RemoteFile.Open(Client, ReferenceOf(entry.Path), ResolveUrl(entry.Path), entry.Size, entry.Sha256);
    }

    private static string ReadCommit(string reference, byte[] body)
    {
        using JsonDocument document = ParseJson(reference, body, "the revision answer");
        if (document.RootElement.ValueKind != JsonValueKind.Object
            || !document.RootElement.TryGetProperty("sha", out JsonElement sha)
            || sha.ValueKind != JsonValueKind.String
            || !CommitPattern().IsMatch(sha.GetString()!))
        {
            throw new HubException(reference, HubErrorKind.BadResponse, "the revision answer has no commit \"sha\" of 40 hexadecimal digits");
        }

        return sha.GetString()!;
    }

    private static List<HubFileEntry> ListFiles(HubClient client, HubReference resolved)
    {
        string reference = resolved.ToString();
        var files = new List<HubFileEntry>();
        Uri? page = client.Url($"api/models/{HubClient.Escape(resolved.RepoId)}/tree/{resolved.Revision}?recursive=true");
        for (int pages = 0; page is not null; pages++)
        {
            if (pages == MaxPages)
            {
                throw new HubException(reference, HubErrorKind.BadResponse, $"the file list runs past {MaxPages} pages");
            }

            (byte[] body, string? link) = client.GetSmall(reference, page, "the file list", MaxApiBytes);
            ReadEntries(reference, body, files);
            page = NextPage(client, reference, link);
        }

        files.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return files;
    }

    private static void ReadEntries(string reference, byte[] body, List<HubFileEntry> files)
    {
        using JsonDocument document = ParseJson(reference, body, "the file list");
        if (document.RootElement.ValueKind != JsonValueKind.Array)
        {
            throw new HubException(reference, HubErrorKind.BadResponse, "the file list is not a JSON array");
        }

        foreach (JsonElement entry in document.RootElement.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.Object || !entry.TryGetProperty("type", out JsonElement type) || type.ValueEquals("directory"))
            {
                continue;
            }

            if (!entry.TryGetProperty("path", out JsonElement pathElement) || pathElement.ValueKind != JsonValueKind.String
                || !HubReference.IsSafePath(pathElement.GetString()!))
            {
                throw new HubException(reference, HubErrorKind.BadResponse, $"the file list names a path that is not a safe repository path: {UntrustedText.Printable(entry.GetRawText())}");
            }

            string path = pathElement.GetString()!;
            if (!entry.TryGetProperty("size", out JsonElement size) || !size.TryGetInt64(out long length) || length < 0)
            {
                throw new HubException(reference, HubErrorKind.BadResponse, $"the file list gives {UntrustedText.Printable(path)} no size");
            }

            string? sha256 = entry.TryGetProperty("lfs", out JsonElement lfs) && lfs.ValueKind == JsonValueKind.Object
                && lfs.TryGetProperty("oid", out JsonElement oid) && oid.ValueKind == JsonValueKind.String && Sha256Pattern().IsMatch(oid.GetString()!)
                ? oid.GetString()!.ToLowerInvariant()
                : null;
            files.Add(new HubFileEntry(path, length, sha256));
        }
    }

    // Link: <URL>; rel="next" — followed only to the endpoint itself, so a hostile answer cannot send the token elsewhere.
    private static Uri? NextPage(HubClient client, string reference, string? link)
    {
        if (link is null || NextLink().Match(link) is not { Success: true } match)
        {
            return null;
        }

        if (!Uri.TryCreate(client.Options.Endpoint, match.Groups[1].Value, out Uri? next)
            || next.Scheme != client.Options.Endpoint.Scheme || next.Host != client.Options.Endpoint.Host || next.Port != client.Options.Endpoint.Port)
        {
            throw new HubException(reference, HubErrorKind.BadResponse, $"the file list's next page lies outside {client.Options.Endpoint.Host}: {UntrustedText.Printable(match.Groups[1].Value)}");
        }

        return next;
    }

    private static JsonDocument ParseJson(string reference, byte[] body, string what)
    {
        try
        {
            return UntrustedJson.Parse(reference, body, maxDepth: 16, what);
        }
        catch (ModelFormatException error)
        {
            throw new HubException(reference, HubErrorKind.BadResponse, error.Problem, error);
        }
    }

    [GeneratedRegex("^[0-9a-f]{40}$", RegexOptions.CultureInvariant)]
    private static partial Regex CommitPattern();

    [GeneratedRegex("^[0-9a-fA-F]{64}$", RegexOptions.CultureInvariant)]
    private static partial Regex Sha256Pattern();

    [GeneratedRegex("<([^>]*)>\\s*;\\s*rel=\"?next\"?", RegexOptions.CultureInvariant)]
    private static partial Regex NextLink();
}
