namespace TensorGuard.Core.Formats.Hub;

/// <summary>
/// A folder of a Hub repository at one commit, where a model file's data files (ONNX external data) are found and read
/// by byte ranges. A name must be a relative path that stays inside the folder, by the same rules as a repository path
/// in a reference (no <c>..</c>, schemes, queries or escapes), and the repository must list it.
/// </summary>
public sealed class HubModelFolder(HubRepository repository, string folder) : IModelFolder
{
    /// <inheritdoc />
    public string Resolve(string name, string owner)
    {
        ArgumentNullException.ThrowIfNull(name);
        string[] parts = name.Split('/').Where(part => part != ".").ToArray();
        string relative = string.Join('/', parts);
        string shown = UntrustedText.Printable(name);
        string where = repository.ReferenceOf(folder);
        if (!HubReference.IsSafePath(relative))
        {
            throw new ModelFormatException(where, $"{owner} names data file \"{shown}\", which is not a relative path inside the model's folder; refusing to read it");
        }

        string path = folder.Length == 0 ? relative : $"{folder}/{relative}";
        return repository.Find(path)?.Path
            ?? throw new HubException(where, HubErrorKind.EntryNotFound, $"{owner} names data file \"{shown}\", which the repository does not hold next to the model at commit {repository.Commit}");
    }

    /// <inheritdoc />
    public IByteSource Open(string resolved) => repository.OpenRemote(repository.Find(resolved)!);
}
