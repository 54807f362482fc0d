using System.Globalization;
using System.Numerics;

namespace TensorGuard.Core.Formats.PyTorch;

/// <summary>
/// A PyTorch checkpoint (<c>pytorch_model.bin</c>, <c>.pt</c>) read without unpickling: the zip format of
/// <c>torch.save</c> (<c>data.pkl</c> plus <c>data/N</c> storages) or the legacy format (consecutive pickles
/// followed by raw storages). The pickle is interpreted by <see cref="PickleMachine"/>, which refuses every
/// global outside the tensor-rebuilding allow-list, so reading a hostile file never runs its code.
/// </summary>
public sealed class PyTorchCheckpoint : ITensorSource
{
    /// <summary>Format name shown in reports.</summary>
    public const string FormatName = "pytorch";

    private const long MaxPickleBytes = 256L * 1024 * 1024;
    private const int MaxNesting = 64;
    private const int MaxNameLength = 4096;
    private const long LegacyProtocolVersion = 1001;
    private static readonly BigInteger LegacyMagic = BigInteger.Parse("1950a86a20f9469cfc6c", NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private readonly IByteSource _file;
    private readonly Dictionary<string, TorchTensor> _tensors;
    // Where each storage starts; in a zip that needs the entry's local header, read when the storage is first wanted.
    private readonly Dictionary<string, Lazy<long>> _storageOffsets;

    private PyTorchCheckpoint(IByteSource file, Dictionary<string, TorchTensor> tensors, Dictionary<string, Lazy<long>> storageOffsets)
    {
        _file = file;
        _tensors = tensors;
        _storageOffsets = storageOffsets;
        Tensors = tensors
            .Select(pair => new TensorEntry(pair.Key, pair.Value.Storage.DType, pair.Value.Shape, file.Path))
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .ToArray();
    }

    /// <summary>The file's path as given.</summary>
    public string Path => _file.Path;

    /// <summary>File size in bytes.</summary>
    public long Length => _file.Length;

    /// <inheritdoc />
    public IReadOnlyList<TensorEntry> Tensors { get; }

    /// <summary>Shortest file read as a checkpoint.</summary>
    public const long MinFileLength = 4;

    /// <summary>Whether <paramref name="prefix"/> (a file's first bytes) is a zip archive, the format <c>torch.save</c> writes since 1.6.</summary>
    public static bool IsZip(ReadOnlySpan<byte> prefix) => ZipDirectory.HasMagic(prefix);

    /// <summary>Whether <paramref name="prefix"/> (a file's first bytes) looks like a zip archive or a pickle.</summary>
    public static bool HasMagic(ReadOnlySpan<byte> prefix) =>
        ZipDirectory.HasMagic(prefix) || (prefix.Length >= 2 && prefix[0] == 0x80 && prefix[1] <= 5);

    /// <summary>Opens <paramref name="path"/> and interprets its pickle.</summary>
    /// <exception cref="UnsafePickleException">The pickle references a global outside the allow-list.</exception>
    /// <exception cref="ModelFormatException">The file is missing, unreadable or malformed.</exception>
    public static PyTorchCheckpoint Open(string path) => Open(MappedFile.Open(path, MinFileLength, "PyTorch checkpoint"));

    /// <summary>Reads the checkpoint in <paramref name="file"/>, which the result owns (disposed here if reading fails).</summary>
    /// <exception cref="UnsafePickleException">The pickle references a global outside the allow-list.</exception>
    /// <exception cref="ModelFormatException">The file is malformed or cannot be read.</exception>
    public static PyTorchCheckpoint Open(IByteSource file)
    {
        ArgumentNullException.ThrowIfNull(file);
        try
        {
            ReadOnlySpan<byte> prefix = file.Span(0, Math.Min(file.Length, 8), "file start");
            if (ZipDirectory.HasMagic(prefix))
            {
                return OpenZip(file);
            }

            // Anything else is interpreted as the legacy format's pickles: protocol 0 and 1 pickles have no
            // header, and a hostile one must still be reported as unsafe rather than merely unreadable.
            return OpenLegacy(file);
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
        TorchTensor stored = StoredTensors.Find(_tensors, tensor, Path, firstElement, destination.Length);
        TensorDType dtype = stored.Storage.DType;
        int elementBytes = dtype.BitSize() / 8;
        long storageStart = _storageOffsets[stored.Storage.Key].Value;
        if (stored.IsContiguous)
        {
            _file.ConvertFloat32(dtype, storageStart + ((stored.Offset + firstElement) * elementBytes), destination);
            return;
        }

        // Strided views (e.g. a saved transpose) are gathered element by element.
        for (int i = 0; i < destination.Length; i++)
        {
            long remainder = firstElement + i;
            long index = stored.Offset;
            for (int axis = stored.Shape.Length - 1; axis >= 0; axis--)
            {
                index += remainder % stored.Shape[axis] * stored.Strides[axis];
                remainder /= stored.Shape[axis];
            }

            Float32Converter.Convert(dtype, _file.Span(storageStart + (index * elementBytes), elementBytes, "tensor data"), destination.Slice(i, 1));
        }
    }

    /// <inheritdoc />
    public void Dispose() => _file.Dispose();

    private static PyTorchCheckpoint OpenZip(IByteSource file)
    {
        ZipDirectory zip = ZipDirectory.Read(file);
        ZipDirectory.Entry[] pickles = zip.Entries.Values
            .Where(entry => entry.Name == "data.pkl" || (entry.Name.EndsWith("/data.pkl", StringComparison.Ordinal) && entry.Name.Count(c => c == '/') == 1))
            .ToArray();
        if (pickles.Length != 1)
        {
            throw new ModelFormatException(file.Path, pickles.Length == 0
                ? "zip archive has no data.pkl; it is not a PyTorch checkpoint"
                : "zip archive has several data.pkl entries; the checkpoint is ambiguous");
        }

        ZipDirectory.Entry pickleEntry = pickles[0];
        string root = pickleEntry.Name[..^"data.pkl".Length];
        if (zip.Entries.TryGetValue(root + "byteorder", out ZipDirectory.Entry? byteOrder)
            && zip.ReadAll(byteOrder, 16) is var order && !order.AsSpan().SequenceEqual("little"u8))
        {
            throw new ModelFormatException(file.Path, "checkpoint was saved big-endian; load and re-save it on a little-endian machine");
        }

        byte[] pickle = zip.ReadAll(pickleEntry, MaxPickleBytes);
        var offsets = new Dictionary<string, Lazy<long>>(StringComparer.Ordinal);
        TorchStorage Load(PickleTuple pid)
        {
            TorchStorage storage = ParseStorageId(file.Path, pid, legacy: false);
            if (!zip.Entries.TryGetValue($"{root}data/{storage.Key}", out ZipDirectory.Entry? entry))
            {
                throw new ModelFormatException(file.Path, $"pickle refers to storage \"{UntrustedText.Printable(storage.Key)}\", but the archive has no entry {UntrustedText.Printable(root)}data/{UntrustedText.Printable(storage.Key)}; the checkpoint is incomplete");
            }

            CheckStorageLength(file.Path, storage, zip.StoredLength(entry));
            offsets[storage.Key] = new Lazy<long>(() => zip.DataOffset(entry));
            return storage;
        }

        int position = 0;
        object? value = PickleMachine.Run(file.Path, pickleEntry.Name, pickle, ref position, Load, pickleEntry.CompressedSize);
        return new PyTorchCheckpoint(file, CollectTensors(file.Path, value), offsets);
    }

    private static PyTorchCheckpoint OpenLegacy(IByteSource file)
    {
        const string Stream = "(legacy format)";
        ReadOnlySpan<byte> data = file.Span(0, Math.Min(file.Length, MaxPickleBytes), "pickle");
        int position = 0;
        TorchStorage NoStorage(PickleTuple pid) => throw new ModelFormatException(file.Path, "legacy checkpoint header refers to a storage; the file is corrupt");

        // The first pickle runs before its value is checked, so any pickle with a hostile global is reported as unsafe.
        if (!Equals(AsBig(PickleMachine.Run(file.Path, Stream, data, ref position, NoStorage, data.Length)), LegacyMagic))
        {
            throw new ModelFormatException(file.Path, "is a pickle without PyTorch's magic number; it is not a PyTorch checkpoint (only torch.save files are read)");
        }

        if (PickleMachine.Run(file.Path, Stream, data, ref position, NoStorage, data.Length) is not LegacyProtocolVersion)
        {
            throw new ModelFormatException(file.Path, $"legacy checkpoint has an unknown protocol version; expected {LegacyProtocolVersion}");
        }

        if (PickleMachine.Run(file.Path, Stream, data, ref position, NoStorage, data.Length) is PickleDict systemInfo
            && systemInfo.Any(pair => pair.Key is "little_endian" && pair.Value is false))
        {
            throw new ModelFormatException(file.Path, "checkpoint was saved big-endian; load and re-save it on a little-endian machine");
        }

        var storages = new Dictionary<string, TorchStorage>(StringComparer.Ordinal);
        TorchStorage Load(PickleTuple pid)
        {
            TorchStorage storage = ParseStorageId(file.Path, pid, legacy: true);
            if (storages.TryGetValue(storage.Key, out TorchStorage? known) && known != storage)
            {
                throw new ModelFormatException(file.Path, $"storage \"{UntrustedText.Printable(storage.Key)}\" is declared with two different types or sizes; the checkpoint is corrupt");
            }

            storages[storage.Key] = storage;
            return storage;
        }

        object? value = PickleMachine.Run(file.Path, Stream, data, ref position, Load, data.Length);
        object? keys = PickleMachine.Run(file.Path, Stream, data, ref position, NoStorage, data.Length);
        if (keys is not PickleList keyList || keyList.Any(key => key is not string))
        {
            throw new ModelFormatException(file.Path, "legacy checkpoint lacks its list of storage keys after the pickle; the file is truncated or corrupt");
        }

        // Storages follow the key list in its order, each as an int64 element count and the raw elements.
        var offsets = new Dictionary<string, Lazy<long>>(StringComparer.Ordinal);
        var cursor = new FileCursor(file, position);
        foreach (string key in keyList.Cast<string>())
        {
            if (!storages.TryGetValue(key, out TorchStorage? storage))
            {
                throw new ModelFormatException(file.Path, $"legacy checkpoint lists storage \"{UntrustedText.Printable(key)}\", which no tensor uses; the file is corrupt");
            }

            long count = cursor.ReadInt64($"size of storage \"{UntrustedText.Printable(key)}\"");
            CheckStorageLength(file.Path, storage, count < 0 || count > file.Length ? -1 : count * (storage.DType.BitSize() / 8));
            offsets[key] = new Lazy<long>(cursor.Position);
            cursor.Take(count * (storage.DType.BitSize() / 8), $"storage \"{UntrustedText.Printable(key)}\"");
        }

        foreach (string missing in storages.Keys.Where(key => !offsets.ContainsKey(key)))
        {
            throw new ModelFormatException(file.Path, $"legacy checkpoint has no data for storage \"{UntrustedText.Printable(missing)}\"; the file is truncated");
        }

        return new PyTorchCheckpoint(file, CollectTensors(file.Path, value), offsets);
    }

    private static BigInteger? AsBig(object? value) => value switch
    {
        long number => number,
        BigInteger big => big,
        _ => null,
    };

    // ('storage', StorageType, key, location, numel) — numel counts bytes for an UntypedStorage; the legacy format appends view metadata (None).
    private static TorchStorage ParseStorageId(string path, PickleTuple pid, bool legacy)
    {
        IReadOnlyList<object?> items = pid.Items;
        int expected = legacy ? 6 : 5;
        if (items.Count != expected || items[0] is not "storage" || items[1] is not PickleGlobal type
            || items[2] is not string key || items[4] is not long count || count < 0 || (legacy && items[5] is not null))
        {
            throw new ModelFormatException(path, $"pickle has a persistent id that is not ('storage', type, key, location, size{(legacy ? ", None" : "")}); the checkpoint is corrupt or uses storage views, which are not read");
        }

        if (!TorchDTypes.TryStorageClass(type.FullName, out TensorDType dtype))
        {
            throw new ModelFormatException(path, $"storage \"{UntrustedText.Printable(key)}\" has type {UntrustedText.Printable(type.FullName)}, which TensorGuard does not read");
        }

        return new TorchStorage(key, dtype, count, Untyped: type.FullName == TorchDTypes.UntypedStorage);
    }

    private static void CheckStorageLength(string path, TorchStorage storage, long bytes)
    {
        int elementBytes = storage.DType.BitSize() / 8;
        if (bytes < 0 || storage.ElementCount > bytes / elementBytes)
        {
            throw new ModelFormatException(path, $"storage \"{UntrustedText.Printable(storage.Key)}\" declares {storage.ElementCount} elements but holds {Math.Max(bytes, 0)} bytes; the checkpoint is truncated or corrupt");
        }
    }

    // Names tensors by their path through nested dicts and lists, joined with '.' as in a state dict.
    private static Dictionary<string, TorchTensor> CollectTensors(string path, object? root)
    {
        var tensors = new Dictionary<string, TorchTensor>(StringComparer.Ordinal);
        var visited = new HashSet<object>(ReferenceEqualityComparer.Instance);
        void Visit(object? value, string name, int depth)
        {
            if (value is TorchTensor tensor)
            {
                name = name.Length == 0 ? "tensor" : name;
                if (tensor.Problem() is { } problem)
                {
                    throw new ModelFormatException(path, $"tensor \"{UntrustedText.Printable(name)}\" {problem}");
                }

                tensors[name] = tensor;
                return;
            }

            if (value is null || depth > MaxNesting || value is string || !visited.Add(value))
            {
                return;
            }

            string prefix = name.Length == 0 ? "" : name + ".";
            string Child(string key) => prefix.Length + key.Length <= MaxNameLength
                ? prefix + key
                : throw new ModelFormatException(path, $"checkpoint nests a tensor under a name longer than {MaxNameLength} characters (\"{UntrustedText.Printable(prefix[..Math.Min(prefix.Length, 64)])}…\"); the pickle is corrupt or hostile");
            switch (value)
            {
                case PickleDict dict:
                    foreach ((object? key, object? item) in dict)
                    {
                        Visit(item, Child(Convert.ToString(key, CultureInfo.InvariantCulture) ?? "None"), depth + 1);
                    }

                    break;
                case PickleList list:
                    for (int i = 0; i < list.Count; i++)
                    {
                        Visit(list[i], Child(i.ToString(CultureInfo.InvariantCulture)), depth + 1);
                    }

                    break;
                case PickleTuple tuple:
                    for (int i = 0; i < tuple.Items.Count; i++)
                    {
                        Visit(tuple.Items[i], Child(i.ToString(CultureInfo.InvariantCulture)), depth + 1);
                    }

                    break;
            }
        }

        Visit(root, "", 0);
        if (tensors.Count == 0)
        {
            throw new ModelFormatException(path, "checkpoint holds no tensors");
        }

        return tensors;
    }
}
