namespace TensorGuard.Core.Formats;

/// <summary>
/// Several tensor sources (the shards of one checkpoint) read as one model. Tensors keep their names;
/// the shard split changes nothing downstream because enumeration is sorted by name.
/// </summary>
public sealed class CompositeTensorSource : ITensorSource
{
    private readonly IReadOnlyList<ITensorSource> _parts;
    private readonly Dictionary<string, ITensorSource> _owner = new(StringComparer.Ordinal);

    /// <exception cref="ModelFormatException">Two parts hold a tensor of the same name.</exception>
    public CompositeTensorSource(string path, IReadOnlyList<ITensorSource> parts)
    {
        _parts = parts;
        var tensors = new List<TensorEntry>();
        foreach (ITensorSource part in parts)
        {
            foreach (TensorEntry tensor in part.Tensors)
            {
                if (!_owner.TryAdd(tensor.Name, part))
                {
                    string first = _owner[tensor.Name].Tensors.First(t => t.Name == tensor.Name).SourceFile;
                    throw new ModelFormatException(path, $"tensor \"{UntrustedText.Printable(tensor.Name)}\" is stored twice, in {UntrustedText.PrintablePath(first)} and {UntrustedText.PrintablePath(tensor.SourceFile)}; remove the duplicate shard");
                }

                tensors.Add(tensor);
            }
        }

        tensors.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        Tensors = tensors;
    }

    /// <inheritdoc />
    public IReadOnlyList<TensorEntry> Tensors { get; }

    /// <inheritdoc />
    public void ReadFloat32(TensorEntry tensor, long firstElement, Span<float> destination) =>
        _owner[tensor.Name].ReadFloat32(tensor, firstElement, destination);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (ITensorSource part in _parts)
        {
            part.Dispose();
        }
    }
}
