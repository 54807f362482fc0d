namespace TensorGuard.Core.Formats.Hub;

/// <summary>
/// A file on the Hub read by byte ranges, as the format readers read a mapped file. The first 100 kB come with one
/// range when the file is opened (a safetensors header usually fits; the rest of a longer one is one more range);
/// later reads go through a bounded cache of 256 KiB blocks, missing neighbours are fetched together in one range,
/// and a read that continues where the last fetch ended fetches ahead, doubling up to 4 MiB, so walking a header or
/// a tensor takes few requests. After the first request the CDN location the Hub redirected to is used directly, until
/// the CDN refuses it (the link expired) and a fresh one is resolved. The SHA-256 is the file list's, else the one the
/// Hub declared on the redirect (<c>X-Linked-Etag</c>); the two must agree when both are given.
/// </summary>
/// <remarks>Written here rather than taken from a library: no served .NET package reads HTTP ranges into spans with a block cache.</remarks>
public sealed class RemoteFile : IByteSource
{
    /// <summary>Bytes fetched when the file is opened, as <c>huggingface_hub</c> does for safetensors headers.</summary>
    public const int HeadLength = 100_000;

    private const int BlockSize = 256 << 10;
    private const int MaxReadAheadBlocks = 16;
    private const int MaxCachedBlocks = 128;

    private readonly HubClient _client;
    private readonly Uri _resolveUrl;
    private readonly byte[] _head;
    private readonly Lock _lock = new();
    private readonly Dictionary<long, LinkedListNode<(long Index, byte[] Bytes)>> _blocks = [];
    private readonly LinkedList<(long Index, byte[] Bytes)> _recent = new();
    private Uri _location;
    private long _nextBlock = -1;
    private int _readAhead = 1;

    private string? _sha256;

    private RemoteFile(HubClient client, string path, Uri location, long length, string? sha256)
    {
        _client = client;
        Path = path;
        _resolveUrl = location;
        _location = location;
        Length = length;
        _sha256 = sha256;
        _head = new byte[(int)Math.Min(HeadLength, length)];
    }

    /// <inheritdoc />
    public string Path { get; }

    /// <inheritdoc />
    public long Length { get; }

    /// <summary>
    /// The file's SHA-256 (lower-case hex): as the Hub lists or declares it for LFS files; other files (small ones, kept in
    /// git) are read whole once to hash them.
    /// </summary>
    public string Sha256 => _sha256 ??= HashWhole();

    /// <summary>The first bytes of the file (at most <see cref="HeadLength"/>).</summary>
    public ReadOnlySpan<byte> Head => _head;

    /// <summary>Opens the file at <paramref name="url"/> (a resolve URL), whose size the file list gave, and reads its head.</summary>
    /// <param name="client">The client to read through; it must outlive the file.</param>
    /// <param name="path">The file's reference, e.g. <c>hf://org/name@commit/model.safetensors</c>, used in messages.</param>
    /// <param name="url">The file's resolve URL at a commit.</param>
    /// <param name="length">The size the Hub lists.</param>
    /// <param name="sha256">The SHA-256 the Hub lists, if any.</param>
    /// <exception cref="HubException">The file cannot be read.</exception>
    public static RemoteFile Open(HubClient client, string path, Uri url, long length, string? sha256)
    {
        ArgumentNullException.ThrowIfNull(client);
        var file = new RemoteFile(client, path, url, length, sha256);
        if (file._head.Length > 0)
        {
            ServedRange served = client.ReadRange(path, url, url, 0, file._head, length, $"bytes 0-{file._head.Length - 1} of the file");
            file._location = served.Location;
            if (sha256 is not null && served.LinkedSha256 is { } declared && declared != sha256)
            {
                throw new HubException(path, HubErrorKind.BadResponse, $"the Hub declares SHA-256 {declared} (X-Linked-Etag) for the file, but its file list gives {sha256}; the answer is corrupt, try again later");
            }

            file._sha256 ??= served.LinkedSha256;
        }

        return file;
    }

    /// <inheritdoc />
    public ReadOnlySpan<byte> Span(long offset, long count, string what)
    {
        if (offset < 0 || count < 0 || count > int.MaxValue || offset > Length - count)
        {
            throw new ModelFormatException(Path, $"{what} (offset {offset}, {count} bytes) lies outside the {Length}-byte file; the file is truncated or corrupt");
        }

        if (offset + count <= _head.Length)
        {
            return _head.AsSpan((int)offset, (int)count);
        }

        if (offset < _head.Length)
        {
            // The rest of a header longer than the head: one more range, as huggingface_hub reads it.
            var bytes = new byte[count];
            int fromHead = _head.Length - (int)offset;
            _head.AsSpan((int)offset).CopyTo(bytes);
            Fetch(_head.Length, bytes.AsMemory(fromHead), what);
            return bytes;
        }

        long first = offset / BlockSize;
        long last = (offset + count - 1) / BlockSize;
        if (first == last)
        {
            return Blocks(first, last, what)[0].AsSpan((int)(offset - (first * BlockSize)), (int)count);
        }

        var joined = new byte[count];
        byte[][] blocks = Blocks(first, last, what);
        for (long index = first; index <= last; index++)
        {
            long blockStart = index * BlockSize;
            long from = Math.Max(offset, blockStart);
            long to = Math.Min(offset + count, blockStart + BlockSize);
            blocks[index - first].AsSpan((int)(from - blockStart), (int)(to - from)).CopyTo(joined.AsSpan((int)(from - offset)));
        }

        return joined;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_lock)
        {
            _blocks.Clear();
            _recent.Clear();
        }
    }

    private string HashWhole()
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        for (long offset = 0; offset < Length; offset += BlockSize)
        {
            hash.AppendData(Span(offset, Math.Min(BlockSize, Length - offset), "file data"));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private byte[][] Blocks(long first, long last, string what)
    {
        var blocks = new byte[last - first + 1][];
        long missingFrom = -1;
        lock (_lock)
        {
            for (long index = first; index <= last; index++)
            {
                if (_blocks.TryGetValue(index, out var node))
                {
                    _recent.Remove(node);
                    _recent.AddFirst(node);
                    blocks[index - first] = node.Value.Bytes;
                }
                else if (missingFrom < 0)
                {
                    missingFrom = index;
                }
            }
        }

        if (missingFrom < 0)
        {
            return blocks;
        }

        // Fetch from the first missing block to the last block asked for, plus read-ahead when reading on sequentially.
        long lastBlock = (Length - 1) / BlockSize;
        long through = last;
        lock (_lock)
        {
            _readAhead = missingFrom == _nextBlock ? Math.Min(_readAhead * 2, MaxReadAheadBlocks) : 1;
            through = Math.Min(lastBlock, Math.Max(last, missingFrom + _readAhead - 1));
            _nextBlock = through + 1;
        }

        long start = missingFrom * BlockSize;
        long end = Math.Min(Length, (through + 1) * BlockSize);
        var fetched = new byte[end - start];
        Fetch(start, fetched, what);
        lock (_lock)
        {
            for (long index = missingFrom; index <= through; index++)
            {
                long blockStart = index * BlockSize;
                byte[] block = fetched.AsSpan((int)(blockStart - start), (int)(Math.Min(end, blockStart + BlockSize) - blockStart)).ToArray();
                if (index <= last)
                {
                    blocks[index - first] = block;
                }

                if (!_blocks.ContainsKey(index))
                {
                    _blocks[index] = _recent.AddFirst((index, block));
                }
            }

            while (_recent.Count > MaxCachedBlocks)
            {
                _blocks.Remove(_recent.Last!.Value.Index);
                _recent.RemoveLast();
            }
        }

        return blocks;
    }

    private void Fetch(long offset, Memory<byte> destination, string what)
    {
        Uri location;
        lock (_lock)
        {
            location = _location;
        }

        ServedRange served = _client.ReadRange(Path, _resolveUrl, location, offset, destination, Length, $"{what} (bytes {offset}-{offset + destination.Length - 1})");
        lock (_lock)
        {
            _location = served.Location;
        }
    }
}
