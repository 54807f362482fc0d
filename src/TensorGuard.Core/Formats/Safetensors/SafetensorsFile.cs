namespace TensorGuard.Core.Formats.Safetensors;

/// <summary>
/// One safetensors file, memory-mapped read-only (or read by ranges from the Hub, see <see cref="IByteSource"/>). The header is validated on open; tensor data is only
/// touched when <see cref="ReadFloat32"/> converts a block, so files larger than memory (and over 4 GB) work.
/// </summary>
/// <remarks>
/// The file must stay unchanged while it is open: like every memory-mapped reader (the reference
/// implementation included), truncating it underneath us faults the process.
/// </remarks>
public sealed class SafetensorsFile : ITensorSource
{
    private readonly IByteSource _file;
    private readonly Dictionary<string, SafetensorsHeader.StoredTensor> _stored;

    private SafetensorsFile(string path, IByteSource file, SafetensorsHeader header)
    {
        Path = path;
        _file = file;
        Header = header;
        _stored = header.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        Tensors = header.Tensors.Select(t => new TensorEntry(t.Name, t.DType, t.Shape, path)).ToArray();
    }

    /// <summary>The file's path as given.</summary>
    public string Path { get; }

    /// <summary>File size in bytes.</summary>
    public long Length => _file.Length;

    /// <summary>The validated header.</summary>
    public SafetensorsHeader Header { get; }

    /// <summary>The <c>__metadata__</c> map.</summary>
    public IReadOnlyDictionary<string, string> Metadata => Header.Metadata;

    /// <inheritdoc />
    public IReadOnlyList<TensorEntry> Tensors { get; }

    /// <summary>Opens and validates <paramref name="path"/>.</summary>
    /// <exception cref="ModelFormatException">The file is missing, unreadable, not a regular file, or malformed.</exception>
    public static SafetensorsFile Open(string path) => Open(MappedFile.Open(path, SafetensorsHeader.MinFileLength, "safetensors"));

    /// <summary>Validates the safetensors file <paramref name="file"/>, which the result owns (and disposes of, also when this throws).</summary>
    /// <exception cref="ModelFormatException">The file is unreadable or malformed.</exception>
    public static SafetensorsFile Open(IByteSource file)
    {
        try
        {
            string path = file.Path;
            long headerLength = SafetensorsHeader.ReadHeaderLength(path, file.Span(0, SafetensorsHeader.LengthPrefixSize, "header length"), file.Length);
            SafetensorsHeader header = SafetensorsHeader.Parse(path, file.Span(SafetensorsHeader.LengthPrefixSize, headerLength, "header"), file.Length);
            return new SafetensorsFile(path, file, header);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public void ReadFloat32(TensorEntry tensor, long firstElement, Span<float> destination)
    {
        if (!_stored.TryGetValue(tensor.Name, out SafetensorsHeader.StoredTensor? stored))
        {
            throw new ArgumentException($"Tensor {tensor.Name} is not in {Path}.", nameof(tensor));
        }

        if (!stored.DType.IsConvertible())
        {
            throw new ModelFormatException(Path, $"unsupported dtype {stored.DType.Name()} in tensor \"{UntrustedText.Printable(stored.Name)}\"; convert the model to F32, F16 or BF16");
        }

        MappedFile.CheckRange(tensor, firstElement, destination.Length);
        long bytesPerElement = stored.DType.BitSize() / 8;
        _file.ConvertFloat32(stored.DType, Header.DataStart + stored.Begin + (firstElement * bytesPerElement), destination);
    }

    /// <inheritdoc />
    public void Dispose() => _file.Dispose();
}
