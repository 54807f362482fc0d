using System.IO.Enumeration;
using TensorGuard.Core.Formats.Peft;
using TensorGuard.Core.Formats.Safetensors;

namespace TensorGuard.Core.Formats.Hub;

/// <summary>
/// Opens a model on the Hub without downloading its weights: the revision is resolved to a commit, the file list
/// gives sizes and SHA-256s, the model card, <c>config.json</c>, the shard index and an adapter's config are kept in the
/// cache folder, and the weights (safetensors, GGUF, PyTorch zip checkpoints, ONNX and its external data) are read by
/// byte ranges when a method asks for them. A folder is read as a local one is (<see cref="ModelLoader"/>): an index
/// first, then the first kind of weights present, and a PEFT adapter where the folder holds no full model. The model's
/// path is the reference at the commit (<c>hf://ORG/NAME@SHA[/PATH]</c>), so every document records what was read.
/// </summary>
public static class HubModel
{
    private const int MaxSmallFileBytes = 64 << 20;

    // Files kept next to the weights so that the card and architecture readers find them as in a local folder.
    private static readonly string[] DescriptionFiles = ["README.md", "config.json"];

    /// <summary>Opens the model <paramref name="reference"/> names: a repository, a folder in it, a weights file or an index; adapters are refused.</summary>
    /// <exception cref="ModelFormatException">The Hub cannot give the model (a <see cref="HubException"/>), a file is malformed, or it is an adapter.</exception>
    public static LoadedModel Open(HubClient client, HubReference reference) => Open(client, reference, adapter =>
    {
        string location = adapter.Directory;
        adapter.Dispose();
        throw new ModelFormatException(location, "is a PEFT adapter, not a full model; name the model it was trained on");
    });

    /// <summary>
    /// As <see cref="Open(HubClient, HubReference)"/>; when the reference names a PEFT adapter (a folder with
    /// <c>adapter_config.json</c> and no full model's weights, or an <c>adapter_model.*</c> file), the adapter, validated,
    /// goes to <paramref name="adapted"/>, which owns it and makes the model of it.
    /// </summary>
    /// <exception cref="ModelFormatException">The Hub cannot give the model (a <see cref="HubException"/>), or a file is malformed.</exception>
    public static LoadedModel Open(HubClient client, HubReference reference, Func<PeftAdapter, LoadedModel> adapted)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(adapted);
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

        bool adapter = file is not null
            ? PeftAdapter.WeightFileNames.Contains(FileName(file.Path), StringComparer.Ordinal)
            : inFolder.Any(f => FileName(f.Path) == AdapterConfig.FileName) && Index(inFolder) is null && Weights(inFolder) is null;
        if (adapter)
        {
            return adapted(OpenAdapter(repository, folder, inFolder, local));
        }

        HubFileEntry? index = file is not null
            ? (file.Path.EndsWith(".index.json", StringComparison.Ordinal) ? file : null)
            : Index(inFolder);
        if (index is not null)
        {
            return OpenIndex(repository, index, local);
        }

        HubFileEntry[] weights = file is not null ? [file] : Weights(inFolder) ?? throw NoWeights(repository, folder);
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

    // adapter_config.json is small and kept in the cache; the weights are read by ranges like any weights file.
    private static PeftAdapter OpenAdapter(HubRepository repository, string folder, HubFileEntry[] inFolder, string local)
    {
        string where = repository.ReferenceOf(folder);
        HubFileEntry configEntry = inFolder.FirstOrDefault(f => FileName(f.Path) == AdapterConfig.FileName)
            ?? throw new HubException(where, HubErrorKind.EntryNotFound, $"holds PEFT adapter weights but no {AdapterConfig.FileName} at commit {repository.Commit}");
        HubFileEntry weightsEntry = PeftAdapter.WeightFileNames.Select(name => inFolder.FirstOrDefault(f => FileName(f.Path) == name)).FirstOrDefault(f => f is not null)
            ?? throw new HubException(where, HubErrorKind.EntryNotFound, $"holds {AdapterConfig.FileName} but no adapter weights at commit {repository.Commit}; expected {string.Join(" or ", PeftAdapter.WeightFileNames)} beside it");
        string configPath = repository.Download(configEntry, AdapterConfig.MaxBytes);
        AdapterConfig config = AdapterConfig.Read(configPath);
        string configSha256 = configEntry.Sha256 ?? Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(configPath)));
        var configFile = new ModelFile(repository.ReferenceOf(configEntry.Path), configEntry.Size, configSha256);
        return PeftAdapter.Open(where, config, configFile, Opener(repository, weightsEntry)());
    }

    private static HubFileEntry? Index(HubFileEntry[] inFolder) =>
        ModelLoader.IndexNames.Select(name => inFolder.FirstOrDefault(f => FileName(f.Path) == name)).FirstOrDefault(f => f is not null);

    // Like a local folder: the first kind of weights present (ModelLoader's order), adapter files left out.
    private static HubFileEntry[]? Weights(HubFileEntry[] inFolder)
    {
        foreach (string pattern in ModelLoader.DirectoryPatterns)
        {
            HubFileEntry[] found = inFolder
                .Where(f => FileSystemName.MatchesSimpleExpression(pattern, FileName(f.Path), ignoreCase: false) && !FileName(f.Path).StartsWith("adapter_", StringComparison.Ordinal))
                .ToArray();
            if (found.Length > 0)
            {
                return found;
            }
        }

        return null;
    }

    private static HubException NoWeights(HubRepository repository, string folder) =>
        new(repository.ReferenceOf(folder), HubErrorKind.EntryNotFound,
            $"holds no model weights at commit {repository.Commit} (looked for {string.Join(", ", ModelLoader.IndexNames.Concat(ModelLoader.DirectoryPatterns))}); name the folder that holds them, e.g. hf://ORG/NAME/SUBFOLDER");

    private static Func<TensorFileFormats.Opened> Opener(HubRepository repository, HubFileEntry entry) =>
        () => TensorFileFormats.Open(repository.OpenRemote(entry), new HubModelFolder(repository, Parent(entry.Path)));

    private static string Parent(string path) => path.LastIndexOf('/') is var slash and >= 0 ? path[..slash] : string.Empty;

    private static string FileName(string path) => path[(path.LastIndexOf('/') + 1)..];
}
