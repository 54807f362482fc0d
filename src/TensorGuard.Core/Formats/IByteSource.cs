namespace TensorGuard.Core.Formats;

/// <summary>
/// The bytes of one weights file, read by offset: a local file mapped into memory (<see cref="MappedFile"/>) or a
/// file on the Hugging Face Hub read by byte ranges (<see cref="Hub.RemoteFile"/>). Format readers see only this,
/// so a model file of any format is parsed the same way wherever it lies.
/// </summary>
public interface IByteSource : IDisposable
{
    /// <summary>The file's path or reference as given.</summary>
    string Path { get; }

    /// <summary>File size in bytes.</summary>
    long Length { get; }

    /// <summary>
    /// <paramref name="count"/> bytes at <paramref name="offset"/>; <paramref name="what"/> names them in the
    /// message when they lie outside the file. The span stays valid while the source is open.
    /// </summary>
    /// <exception cref="ModelFormatException">The range is not inside the file, or it cannot be read.</exception>
    ReadOnlySpan<byte> Span(long offset, long count, string what);
}

/// <summary>Reads shared by every <see cref="IByteSource"/>.</summary>
public static class ByteSources
{
    private const int ChunkElements = 1 << 20;

    /// <summary>The file as documents record it: path, size and, for a Hub file, its SHA-256 (see <see cref="Hub.RemoteFile.Sha256"/>).</summary>
    public static ModelFile Describe(this IByteSource source) => new(source.Path, source.Length, (source as Hub.RemoteFile)?.Sha256);

    /// <summary>Whether [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="count"/>) lies inside the file.</summary>
    public static bool Contains(this IByteSource source, long offset, long count) =>
        offset >= 0 && count >= 0 && offset <= source.Length - count;

    /// <summary>
    /// Converts <paramref name="destination"/>.Length consecutive elements of an element-wise
    /// <paramref name="dtype"/> stored at <paramref name="offset"/> to float32, in bounded chunks.
    /// </summary>
    /// <exception cref="ModelFormatException">The elements are not inside the file.</exception>
    public static void ConvertFloat32(this IByteSource source, TensorDType dtype, long offset, Span<float> destination)
    {
        int elementBytes = dtype.BitSize() / 8;
        for (int done = 0; done < destination.Length;)
        {
            int count = Math.Min(destination.Length - done, ChunkElements);
            ReadOnlySpan<byte> bytes = source.Span(offset + ((long)done * elementBytes), (long)count * elementBytes, "tensor data");
            Float32Converter.Convert(dtype, bytes, destination.Slice(done, count));
            done += count;
        }
    }
}
