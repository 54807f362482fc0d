using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;

namespace TensorGuard.Core.Formats.Safetensors;

/// <summary>
/// One safetensors file, memory-mapped read-only. The header is validated on open; tensor data is only
/// touched when <see cref="ReadFloat32"/> converts a block, so files larger than memory (and over 4 GB) work.
/// </summary>
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
    /// <exception cref="ModelFormatException">The file is missing, unreadable or malformed.</exception>
    public static SafetensorsFile Open(string path)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.RandomAccess);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new ModelFormatException(path, $"cannot open the file ({error.Message})");
        }

        long length = stream.Length;
        Span<byte> prefix = stackalloc byte[SafetensorsHeader.LengthPrefixSize];
        try
        {
            stream.ReadExactly(prefix[..(int)Math.Min(length, prefix.Length)]);
            long headerLength = SafetensorsHeader.ReadHeaderLength(path, prefix, length);
            var json = new byte[headerLength];
            stream.ReadExactly(json);
            SafetensorsHeader header = SafetensorsHeader.Parse(path, json, length);
            return Map(path, stream, header, length);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static SafetensorsFile Map(string path, FileStream stream, SafetensorsHeader header, long length)
    {
        MemoryMappedFile map = MemoryMappedFile.CreateFromFile(stream, mapName: null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        MemoryMappedViewAccessor view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        byte* pointer = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        return new SafetensorsFile(path, map, view, pointer + view.PointerOffset, header, length);
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
        int bits = stored.DType.BitSize();
        long start = Header.DataStart + stored.Begin + (firstElement * bits / 8);
        int byteCount = checked(destination.Length * bits / 8);
        var source = new ReadOnlySpan<byte>(_base + start, byteCount);
        Float32Converter.Convert(stored.DType, source, destination);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }
}
