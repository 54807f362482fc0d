using TensorGuard.Core.Formats.Safetensors;

namespace TensorGuard.Core.Formats.Hub;

/// <summary>
/// Opens a model on the Hub without downloading its weights: the revision is resolved to a commit, the file list
/// gives sizes and SHA-256s, the model card, <c>config.json</c> and the shard index are kept in the cache folder, and
/// the safetensors or GGUF weights are read by byte ranges when a method asks for them. The model's path is the
/// reference at the commit (<c>hf://ORG/NAME@SHA[/PATH]</c>), so every document records what was read.
/// </summary>
public static class HubModel
{
    private const int MaxSmallFileBytes = 64 << 20;

    // Files kept next to the weights so that the card and architecture readers find them as in a local folder.
    private static readonly string[] DescriptionFiles = ["README.md", "config.json"];

    private static readonly string[] LocalOnlyPatterns = [".bin", ".pt", ".pth", ".onnx"];

    /// <summary>Opens the model <paramref name="reference"/> names: a repository, a folder in it, a weights file or an index.</summary>
    /// <exception cref="ModelFormatException">The Hub cannot give the model (a <see cref="HubException"/>), or a file is malformed.</exception>
    public static LoadedModel Open(HubClient client, HubReference reference)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(reference);
        HubRepository repository = HubRepository.Open(client, reference);
        string path = reference.Path;
        HubFileEntry? file = path.Length > 0 ? repository.Find(path) : null;
        string folder = file is null ? path : Parent(path);
        string prefix = folder.Length == 0 ? string.Empty : folder + "/";
        HubFileEntry[] inFolder = repository.Files.Where(f => f.Path.StartsWith(prefix, StringComparison.Ordinal) && f.Path.IndexOf('/', prefix.Length) < 0).ToArray();
        if (file is null && path.Length > 0 && !repository.Files.Any(f => f.Path.StartsWith(prefix, StringComparison.Ordinal)))
        {
            throw new HubException(repository.ReferenceOf(path), HubErrorKind.EntryNotFound, $"{repository.Reference.RepoId} has no file or folder \"{UntrustedText.Printable(path)}\" at commit {repository.Commit}; check the path");
        }

        string local = repository.LocalFolder(folder);
        foreach (HubFileEntry description in inFolder.Where(f => DescriptionFiles.Contains(FileName(f.Path))))
        {
            repository.Download(description, MaxSmallFileBytes);
        }

        HubFileEntry? index = file is not null
            ? (file.Path.EndsWith(".index.json", StringComparison.Ordinal) ? file : null)
            : inFolder.FirstOrDefault(f => FileName(f.Path) == SafetensorsIndex.FileName);
        if (index is not null)
        {
            return OpenIndex(repository, index, local);
        }

        HubFileEntry[] weights = file is not null ? [file] : Weights(repository, folder, inFolder);
        return ModelLoader.Assemble(repository.ReferenceOf(path), local, weights.Select(w => Opener(repository, w)).ToArray());
    }

    private static LoadedModel OpenIndex(HubRepository repository, HubFileEntry indexEntry, string local)
    {
        string indexPath = repository.Download(indexEntry, MaxSmallFileBytes);
        SafetensorsIndex index = SafetensorsIndex.Read(indexPath);
        string folder = Parent(indexEntry.Path);
        var shards = new List<HubFileEntry>();
        foreach (string shard in index.Shards)
        {
            string shardPath = folder.Length == 0 ? shard : $"{folder}/{shard}";
            shards.Add(repository.Find(shardPath)
                ?? throw new HubException(repository.ReferenceOf(indexEntry.Path), HubErrorKind.EntryNotFound, $"index names shard {UntrustedText.Printable(shard)}, which the repository does not hold at commit {repository.Commit}"));
        }

        string reference = repository.ReferenceOf(indexEntry.Path);
        LoadedModel model = ModelLoader.Assemble(reference, local, shards.Select(shard => Opener(repository, shard)).ToArray());
        try
        {
            ModelLoader.CheckAgreement(reference, index, model);
        }
        catch
        {
            model.Dispose();
            throw;
        }

        return model;
    }

    // Like a local folder: safetensors first, then GGUF; adapter files and other formats are not read from the Hub.
    private static HubFileEntry[] Weights(HubRepository repository, string folder, HubFileEntry[] inFolder)
    {
        foreach (string extension in new[] { ".safetensors", ".gguf" })
        {
            HubFileEntry[] found = inFolder
                .Where(f => f.Path.EndsWith(extension, StringComparison.OrdinalIgnoreCase) && !FileName(f.Path).StartsWith("adapter_", StringComparison.Ordinal))
                .ToArray();
            if (found.Length > 0)
            {
                return found;
            }
        }

        string where = repository.ReferenceOf(folder);
        if (inFolder.Any(f => FileName(f.Path) == "adapter_config.json"))
        {
            throw new HubException(where, HubErrorKind.EntryNotFound, "is a PEFT adapter; adapters are not read from the Hub: download the adapter and pass its folder with --base hf://… for its base");
        }

        string hint = inFolder.Any(f => LocalOnlyPatterns.Any(ext => f.Path.EndsWith(ext, StringComparison.OrdinalIgnoreCase)))
            ? "; it holds PyTorch or ONNX weights, which are read from local files only: download them and pass the folder"
            : "; name the folder that holds them, e.g. hf://ORG/NAME/SUBFOLDER";
        throw new HubException(where, HubErrorKind.EntryNotFound, $"holds no safetensors or GGUF weights at commit {repository.Commit}{hint}");
    }

    private static Func<TensorFileFormats.Opened> Opener(HubRepository repository, HubFileEntry entry) =>
        () => TensorFileFormats.Open(repository.OpenRemote(entry));

    private static string Parent(string path) => path.LastIndexOf('/') is var slash and >= 0 ? path[..slash] : string.Empty;

    private static string FileName(string path) => path[(path.LastIndexOf('/') + 1)..];
}
