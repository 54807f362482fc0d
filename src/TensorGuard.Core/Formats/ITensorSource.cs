namespace TensorGuard.Core.Formats;

/// <summary>
/// A model's tensors, whatever the file format: enumerated without reading weights, values converted
/// to float32 on demand in caller-sized blocks so that memory stays bounded by the block, not the model.
/// </summary>
public interface ITensorSource : IDisposable
{
    /// <summary>Every tensor, in a deterministic order (sorted by name).</summary>
    IReadOnlyList<TensorEntry> Tensors { get; }

    /// <summary>
    /// Converts <paramref name="destination"/>.Length consecutive elements of <paramref name="tensor"/>,
    /// starting at row-major element <paramref name="firstElement"/>, to float32.
    /// </summary>
    /// <exception cref="ModelFormatException">The dtype cannot be converted or the data is unreadable.</exception>
    void ReadFloat32(TensorEntry tensor, long firstElement, Span<float> destination);
}
