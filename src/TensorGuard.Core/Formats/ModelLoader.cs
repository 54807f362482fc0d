using TensorGuard.Core.Formats.Hub;
using TensorGuard.Core.Formats.Peft;
using TensorGuard.Core.Formats.Safetensors;

namespace TensorGuard.Core.Formats;

/// <summary>
/// Opens a model artifact from a path: a weights file of any supported format (safetensors, GGUF, ONNX, TFLite,
/// PyTorch checkpoint; see <see cref="TensorFileFormats"/>), a sharded checkpoint's index
/// (<c>model.safetensors.index.json</c>, <c>pytorch_model.bin.index.json</c>), a model directory, or a PEFT LoRA
/// adapter merged into its base model's weights; or a model on the Hugging Face Hub, <c>hf://ORG/NAME[@REVISION][/PATH]</c>,
/// read by byte ranges (see <see cref="HubModel"/>).
/// </summary>
public static class ModelLoader
{
    /// <summary>Shard indexes a model folder may hold, preferred first.</summary>
    internal static readonly string[] IndexNames = [SafetensorsIndex.FileName, "pytorch_model.bin.index.json"];

    /// <summary>
    /// Weights files of a model folder, as patterns: the first kind present wins (safetensors over GGUF over PyTorch
    /// pickles over ONNX over TFLite). training_args.bin, optimizer.pt and the like are pickles of other objects, not weights.
    /// </summary>
    internal static readonly string[] DirectoryPatterns = ["*.safetensors", "*.gguf", "pytorch_model*.bin", "*.onnx", "*.pt", "*.pth", "*.tflite"];

    /// <exception cref="ModelFormatException">The path is missing, holds no model, or a file is malformed.</exception>
    public static LoadedModel Open(string path) => Open(path, baseModel: null);

    /// <summary>
    /// Opens <paramref name="path"/>; when it is a PEFT adapter (see <see cref="AdapterDirectory"/>), the model is the
    /// adapter merged into <paramref name="baseModel"/>, which is ignored for any other artifact.
    /// </summary>
    /// <exception cref="ModelFormatException">
    /// The path is missing, holds no model, or a file is malformed; or it is an adapter and no base (or a base that does
    /// not fit it) was given: the message then says what could and could not be checked without the base.
    /// </exception>
    public static LoadedModel Open(string path, string? baseModel) => Open(path, baseModel, hub: null);

    /// <summary>
    /// As <see cref="Open(string, string?)"/>; <paramref name="path"/> (and <paramref name="baseModel"/>) may also be a Hub
    /// reference <c>hf://…</c>, read through <paramref name="hub"/>.
    /// </summary>
    /// <exception cref="ModelFormatException">As above; a <see cref="HubException"/> when the Hub cannot give the model, or a Hub reference comes without a client.</exception>
    public static LoadedModel Open(string path, string? baseModel, HubClient? hub) => Open(path, baseModel, hub, alone: null);

    /// <summary>
    /// As <see cref="Open(string, string?, HubClient?)"/>; a PEFT adapter given without a base goes to
    /// <paramref name="alone"/> (which then owns it) instead of being refused.
    /// </summary>
    internal static LoadedModel Open(string path, string? baseModel, HubClient? hub, Func<PeftAdapter, LoadedModel>? alone)
    {
        LoadedModel Adapted(PeftAdapter adapter) => WithBase(path, adapter, baseModel, hub, alone);
        if (HubReference.IsHubReference(path))
        {
            return HubModel.Open(RequireHub(path, hub), HubReference.Parse(path), Adapted);
        }

        if (AdapterDirectory(path) is string adapter)
        {
            return Adapted(PeftAdapter.Open(adapter));
        }

        if (System.IO.Directory.Exists(path))
        {
            return OpenDirectory(path);
        }

        if (!File.Exists(path))
        {
            throw new ModelFormatException(path, "no such file or directory");
        }

        if (path.EndsWith(".index.json", StringComparison.OrdinalIgnoreCase))
        {
            return OpenIndex(path);
        }

        return OpenFiles(path, [path]);
    }

    /// <summary>
    /// The PEFT adapter folder <paramref name="path"/> stands for: a folder with <c>adapter_config.json</c> and no full
    /// model's weights, or an <c>adapter_model.*</c> file with that config beside it; null for anything else.
    /// </summary>
    public static string? AdapterDirectory(string path) => PeftAdapter.Locate(path, HoldsModelWeights);

    private static bool HoldsModelWeights(string directory) =>
        IndexNames.Any(index => File.Exists(System.IO.Path.Combine(directory, index)))
        || DirectoryPatterns.Any(pattern => ListFiles(directory, pattern).Length > 0);

    private static HubClient RequireHub(string path, HubClient? hub) =>
        hub ?? throw new HubException(path, HubErrorKind.Unreachable, "is a Hub reference, but Hub access is turned off here");

    // The adapter (local or on the Hub) merged into its base, which may itself be local or on the Hub.
    private static LoadedModel WithBase(string path, PeftAdapter adapter, string? baseModel, HubClient? hub, Func<PeftAdapter, LoadedModel>? alone)
    {
        try
        {
            if (baseModel is null)
            {
                return alone?.Invoke(adapter) ?? throw new ModelFormatException(path, AdapterReport.Of(adapter, merged: null, basePath: null).NotAnalysed());
            }

            LoadedModel baseWeights = Open(baseModel, baseModel: null, hub, alone: _ =>
                throw new ModelFormatException(baseModel, "is itself a PEFT adapter; the base must be the full model the adapter was trained on"));
            ITensorSource merged;
            try
            {
                merged = adapter.MergeInto(baseWeights, baseModel);
            }
            catch
            {
                baseWeights.Dispose();
                throw;
            }

            return new LoadedModel(path, $"{PeftAdapter.FormatName}+{baseWeights.Format}", CardFolder(adapter), [.. adapter.Files, .. baseWeights.Files], adapter.Metadata, merged);
        }
        catch
        {
            adapter.Dispose();
            throw;
        }
    }

    /// <summary>The local folder that holds the adapter's card and config: its own, or for an adapter on the Hub, the cache's copy.</summary>
    internal static string CardFolder(PeftAdapter adapter) =>
        HubReference.IsHubReference(adapter.Directory) ? System.IO.Path.GetDirectoryName(adapter.Config.Path)! : adapter.Directory;

    private static LoadedModel OpenDirectory(string directory)
    {
        foreach (string indexName in IndexNames)
        {
            string index = System.IO.Path.Combine(directory, indexName);
            if (File.Exists(index))
            {
                return OpenIndex(index);
            }
        }

        // The first kind of weights file present wins: safetensors over GGUF over PyTorch pickles over ONNX over TFLite.
        foreach (string pattern in DirectoryPatterns)
        {
            string[] files = ListFiles(directory, pattern);
            if (files.Length > 0)
            {
                return OpenFiles(directory, files);
            }
        }

        throw new ModelFormatException(directory, $"directory holds no model weights (looked for {string.Join(", ", IndexNames.Concat(DirectoryPatterns))})");
    }

    private static string[] ListFiles(string directory, string pattern)
    {
        try
        {
            return System.IO.Directory.GetFiles(directory, pattern)
                .Where(file => !System.IO.Path.GetFileName(file).StartsWith("adapter_", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal)
                .ToArray();
        }
        catch (Exception error) when (FileErrors.IsFileSystemError(error))
        {
            throw new ModelFormatException(directory, $"cannot list the directory ({FileErrors.Describe(error)})");
        }
    }

    private static LoadedModel OpenIndex(string indexPath)
    {
        SafetensorsIndex index = SafetensorsIndex.Read(indexPath);
        string directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(indexPath))!;
        string[] shards = index.Shards.Select(shard => System.IO.Path.Combine(directory, shard)).ToArray();
        if (shards.FirstOrDefault(shard => !File.Exists(shard)) is string missing)
        {
            throw new ModelFormatException(indexPath, $"index names shard {UntrustedText.Printable(System.IO.Path.GetFileName(missing))}, which does not exist; restore the shard or fix the index");
        }

        LoadedModel model = OpenFiles(indexPath, shards);
        try
        {
            CheckAgreement(indexPath, index, model);
        }
        catch
        {
            model.Dispose();
            throw;
        }

        return model;
    }

    // The index and the shards must describe the same tensors: a tensor the index does not list would be
    // ignored by loaders that follow the index, yet would count in our fingerprint, and vice versa.
    internal static void CheckAgreement(string indexPath, SafetensorsIndex index, LoadedModel model)
    {
        var stored = model.Tensors.ToDictionary(t => t.Name, t => System.IO.Path.GetFileName(t.SourceFile), StringComparer.Ordinal);
        foreach ((string tensor, string storedIn) in stored)
        {
            if (!index.WeightMap.TryGetValue(tensor, out string? listedIn))
            {
                throw new ModelFormatException(indexPath, $"shard {UntrustedText.Printable(storedIn)} holds tensor \"{UntrustedText.Printable(tensor)}\", which the index does not list; add it to weight_map or remove it");
            }

            if (listedIn != storedIn)
            {
                throw new ModelFormatException(indexPath, $"index places tensor \"{UntrustedText.Printable(tensor)}\" in {UntrustedText.Printable(listedIn)}, but it is stored in {UntrustedText.Printable(storedIn)}");
            }
        }

        string? absent = index.WeightMap.Keys.Where(tensor => !stored.ContainsKey(tensor)).Order(StringComparer.Ordinal).FirstOrDefault();
        if (absent is not null)
        {
            throw new ModelFormatException(indexPath, $"index places tensor \"{UntrustedText.Printable(absent)}\" in {UntrustedText.Printable(index.WeightMap[absent])}, but that shard does not hold it");
        }
    }

    private static LoadedModel OpenFiles(string path, IReadOnlyList<string> files)
    {
        string? directory = System.IO.Directory.Exists(path) ? path : System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        return Assemble(path, directory, files.Select(file => (Func<TensorFileFormats.Opened>)(() => TensorFileFormats.Open(file))).ToArray());
    }

    /// <summary>Opens each file in turn and joins them into one model (closing those opened when one fails).</summary>
    internal static LoadedModel Assemble(string path, string? directory, IReadOnlyList<Func<TensorFileFormats.Opened>> files)
    {
        var opened = new List<TensorFileFormats.Opened>(files.Count);
        try
        {
            foreach (Func<TensorFileFormats.Opened> open in files)
            {
                opened.Add(open());
            }

            ITensorSource tensors = opened.Count == 1 ? opened[0].Source : new CompositeTensorSource(path, opened.Select(file => file.Source).ToArray());
            var metadata = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach ((string key, string value) in opened.SelectMany(file => file.Metadata))
            {
                metadata.TryAdd(key, value);
            }

            string format = string.Join("+", opened.Select(file => file.Format).Distinct());
            return new LoadedModel(path, format, directory, opened.SelectMany(file => file.Files).ToArray(), metadata, tensors);
        }
        catch
        {
            opened.ForEach(file => file.Source.Dispose());
            throw;
        }
    }
}
