using System.IO.MemoryMappedFiles;

namespace TensorGuard.Core.Formats;

/// <summary>
/// A regular file mapped read-only, for formats whose readers locate tensor data by offset (GGUF, ONNX,
/// PyTorch zip). Every access is bounds-checked against the file length, so a hostile offset becomes a
/// <see cref="ModelFormatException"/> instead of a fault; the file must not change while it is open.
/// </summary>
public sealed unsafe class MappedFile : IByteSource
{
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private readonly MappedPages _pages;

    private MappedFile(string path, long length, MemoryMappedFile map, MemoryMappedViewAccessor view, byte* basePointer)
    {
        Path = path;
        Length = length;
        _map = map;
        _view = view;
        _base = basePointer;
        _pages = new MappedPages(basePointer, length);
    }

    /// <inheritdoc />
    public string Path { get; }

    /// <inheritdoc />
    public long Length { get; }

    /// <summary>
    /// Maps <paramref name="path"/>, which must be a regular file of at least <paramref name="minimumLength"/>
    /// bytes (<paramref name="formatName"/> names the expected format in the message otherwise).
    /// </summary>
    /// <exception cref="ModelFormatException">The file is missing, unreadable, not a regular file or too short.</exception>
    public static MappedFile Open(string path, long minimumLength, string formatName)
    {
        // Check the type and size before opening: opening a FIFO would block, and a device never ends.
        RegularFile.Require(path, "the file");
        long statLength = StatLength(path);
        CheckLength(path, statLength, minimumLength, formatName);
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
            CheckLength(path, length, minimumLength, formatName);
            MemoryMappedFile map = MemoryMappedFile.CreateFromFile(stream, mapName: null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            try
            {
                MemoryMappedViewAccessor view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
                byte* pointer = null;
                view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
                return new MappedFile(path, length, map, view, pointer + view.PointerOffset);
            }
            catch
            {
                map.Dispose();
                throw;
            }
        }
        catch (Exception error) when (FileErrors.IsFileSystemError(error))
        {
            stream.Dispose();
            throw new ModelFormatException(path, $"cannot map the file ({FileErrors.Describe(error)})");
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public ReadOnlySpan<byte> Span(long offset, long count, string what)
    {
        if (offset < 0 || count < 0 || count > int.MaxValue || offset > Length - count)
        {
            throw new ModelFormatException(Path, $"{what} (offset {offset}, {count} bytes) lies outside the {Length}-byte file; the file is truncated or corrupt");
        }

        _pages.Touched(offset, count);
        return new ReadOnlySpan<byte>(_base + offset, (int)count);
    }

    /// <summary>Checks that a read of <paramref name="count"/> elements from <paramref name="firstElement"/> stays inside <paramref name="tensor"/>.</summary>
    public static void CheckRange(TensorEntry tensor, long firstElement, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstElement);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(firstElement + count, tensor.ElementCount);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }

    private static void CheckLength(string path, long length, long minimumLength, string formatName)
    {
        if (length < minimumLength)
        {
            throw new ModelFormatException(path, $"file is {length} bytes, too short for {formatName} (at least {minimumLength}); is it a {formatName} file?");
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
}
