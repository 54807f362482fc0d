using System.IO.MemoryMappedFiles;

namespace TensorGuard.Core.Formats.Safetensors;

/// <summary>
/// One safetensors file, memory-mapped read-only. The header is validated on open; tensor data is only
/// touched when <see cref="ReadFloat32"/> converts a block, so files larger than memory (and over 4 GB) work.
/// </summary>
/// <remarks>
/// The file must stay unchanged while it is open: like every memory-mapped reader (the reference
/// implementation included), truncating it underneath us faults the process.
/// </remarks>
public sealed unsafe class SafetensorsFile : ITensorSource
{
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private readonly Dictionary<string, SafetensorsHeader.StoredTensor> _stored;

    private SafetensorsFile(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, byte* basePointer, SafetensorsHeader header, long length)
    {
        Path = path;
        Length = length;
        _map = map;
        _view = view;
        _base = basePointer;
        Header = header;
        _stored = header.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        Tensors = header.Tensors.Select(t => new TensorEntry(t.Name, t.DType, t.Shape, path)).ToArray();
    }

    /// <summary>The file's path as given.</summary>
    public string Path { get; }

    /// <summary>File size in bytes.</summary>
    public long Length { get; }

    /// <summary>The validated header.</summary>
    public SafetensorsHeader Header { get; }

    /// <summary>The <c>__metadata__</c> map.</summary>
    public IReadOnlyDictionary<string, string> Metadata => Header.Metadata;

    /// <inheritdoc />
    public IReadOnlyList<TensorEntry> Tensors { get; }

    /// <summary>Opens and validates <paramref name="path"/>.</summary>
    /// <exception cref="ModelFormatException">The file is missing, unreadable, not a regular file, or malformed.</exception>
    public static SafetensorsFile Open(string path)
    {
        // Check the size before opening: FIFOs and devices report 0 bytes, and opening a FIFO would block.
        SafetensorsHeader.CheckFileLength(path, StatLength(path));
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.RandomAccess);
        }
        catch (Exception error) when (FileErrors.IsFileSystemError(error))
        {
            throw new ModelFormatException(path, $"cannot open the file ({FileErrors.Describe(error)})");
        }

        try
        {
            if (!stream.CanSeek)
            {
                throw new ModelFormatException(path, "is not a regular file");
            }

            long length = stream.Length;
            SafetensorsHeader.CheckFileLength(path, length);
            Span<byte> prefix = stackalloc byte[SafetensorsHeader.LengthPrefixSize];
            stream.ReadExactly(prefix);
            long headerLength = SafetensorsHeader.ReadHeaderLength(path, prefix, length);
            var json = new byte[headerLength];
            stream.ReadExactly(json);
            SafetensorsHeader header = SafetensorsHeader.Parse(path, json, length);
            return Map(path, stream, header, length);
        }
        catch (Exception error) when (FileErrors.IsFileSystemError(error))
        {
            stream.Dispose();
            throw new ModelFormatException(path, $"cannot read the file ({FileErrors.Describe(error)})");
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static long StatLength(string path)
    {
        try
        {
            return new FileInfo(path).Length;
        }
        catch (Exception error) when (FileErrors.IsFileSystemError(error))
        {
            throw new ModelFormatException(path, $"cannot open the file ({FileErrors.Describe(error)})");
        }
    }

    private static SafetensorsFile Map(string path, FileStream stream, SafetensorsHeader header, long length)
    {
        MemoryMappedFile map = MemoryMappedFile.CreateFromFile(stream, mapName: null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        try
        {
            MemoryMappedViewAccessor view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* pointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            return new SafetensorsFile(path, map, view, pointer + view.PointerOffset, header, length);
        }
        catch
        {
            map.Dispose();
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

        ArgumentOutOfRangeException.ThrowIfNegative(firstElement);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(firstElement + destination.Length, tensor.ElementCount);
        int bytesPerElement = stored.DType.BitSize() / 8;
        long start = Header.DataStart + stored.Begin + (firstElement * bytesPerElement);
        int byteCount = checked(destination.Length * bytesPerElement);
        Float32Converter.Convert(stored.DType, new ReadOnlySpan<byte>(_base + start, byteCount), destination);
        MappedPages.Release(_base + start, byteCount);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }
}
