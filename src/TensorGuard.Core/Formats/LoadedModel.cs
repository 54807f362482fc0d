namespace TensorGuard.Core.Formats;

/// <summary>
/// A model artifact opened for analysis: its tensors (as one source, whatever the sharding), the files it
/// was read from, the format's metadata, and the folder whose model card and config describe it.
/// </summary>
public sealed class LoadedModel : ITensorSource
{
    private readonly ITensorSource _tensors;

    public LoadedModel(string path, string format, string? directory, IReadOnlyList<ModelFile> files,
        IReadOnlyDictionary<string, string> metadata, ITensorSource tensors)
    {
        Path = path;
        Format = format;
        Directory = directory;
        Files = files;
        Metadata = metadata;
        _tensors = tensors;
    }

    /// <summary>The path the user gave (file, index or directory).</summary>
    public string Path { get; }

    /// <summary>Format name, e.g. <c>safetensors</c>.</summary>
    public string Format { get; }

    /// <summary>Folder holding the model card (<c>README.md</c>) and <c>config.json</c>, if any.</summary>
    public string? Directory { get; }

    /// <summary>Every file the weights were read from, in a deterministic order.</summary>
    public IReadOnlyList<ModelFile> Files { get; }

    /// <summary>Format-level metadata (safetensors <c>__metadata__</c>, merged across shards).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <inheritdoc />
    public IReadOnlyList<TensorEntry> Tensors => _tensors.Tensors;

    /// <summary>When the model is a PEFT adapter merged into its base: the merge (adapter, matched modules).</summary>
    public Peft.LoraMergedSource? MergedAdapter => _tensors as Peft.LoraMergedSource;

    /// <summary>Total number of elements over all tensors.</summary>
    public long ParameterCount => Tensors.Sum(t => t.ElementCount);

    /// <inheritdoc />
    public void ReadFloat32(TensorEntry tensor, long firstElement, Span<float> destination) =>
        _tensors.ReadFloat32(tensor, firstElement, destination);

    /// <inheritdoc />
    public void Dispose() => _tensors.Dispose();
}
