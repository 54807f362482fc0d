using TensorGuard.Core.Formats.Safetensors;

namespace TensorGuard.Core.Formats;

/// <summary>
/// Opens a model artifact from a path: a <c>.safetensors</c> file, a sharded checkpoint's
/// <c>model.safetensors.index.json</c>, or a Hugging Face model directory.
/// </summary>
public static class ModelLoader
{
    /// <exception cref="ModelFormatException">The path is missing, holds no model, or a file is malformed.</exception>
    public static LoadedModel Open(string path)
    {
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

        if (path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
        {
            return OpenFiles(path, [path]);
        }

        throw new ModelFormatException(path, "unsupported model file; expected .safetensors, model.safetensors.index.json or a model directory");
    }

    private static LoadedModel OpenDirectory(string directory)
    {
        string index = System.IO.Path.Combine(directory, SafetensorsIndex.FileName);
        if (File.Exists(index))
        {
            return OpenIndex(index);
        }

        string[] files;
        try
        {
            files = System.IO.Directory.GetFiles(directory, "*.safetensors")
                .Where(file => !System.IO.Path.GetFileName(file).StartsWith("adapter_", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal)
                .ToArray();
        }
        catch (Exception error) when (FileErrors.IsFileSystemError(error))
        {
            throw new ModelFormatException(directory, $"cannot list the directory ({FileErrors.Describe(error)})");
        }

        if (files.Length == 0)
        {
            throw new ModelFormatException(directory, "directory holds no model weights (looked for *.safetensors and model.safetensors.index.json)");
        }

        return OpenFiles(directory, files);
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
    private static void CheckAgreement(string indexPath, SafetensorsIndex index, LoadedModel model)
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
        var opened = new List<SafetensorsFile>(files.Count);
        try
        {
            foreach (string file in files)
            {
                opened.Add(SafetensorsFile.Open(file));
            }

            ITensorSource tensors = opened.Count == 1 ? opened[0] : new CompositeTensorSource(path, opened);
            var metadata = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach ((string key, string value) in opened.SelectMany(file => file.Metadata))
            {
                metadata.TryAdd(key, value);
            }

            string? directory = System.IO.Directory.Exists(path) ? path : System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
            return new LoadedModel(path, "safetensors", directory, opened.Select(f => new ModelFile(f.Path, f.Length)).ToArray(), metadata, tensors);
        }
        catch
        {
            opened.ForEach(file => file.Dispose());
            throw;
        }
    }
}
