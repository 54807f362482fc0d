using System.Buffers.Binary;
using System.IO.Compression;
using TensorGuard.Core.Formats;
using TensorGuard.Core.Formats.PyTorch;

namespace TensorGuard.ModelFactory.Formats;

/// <summary>
/// Writes PyTorch checkpoints as torch.save does, without PyTorch: the zip format (<c>archive/data.pkl</c>,
/// <c>archive/data/N</c> stored uncompressed, <c>archive/byteorder</c>, <c>archive/version</c>) and the legacy
/// format (magic number, protocol version, system info, the state dict, storage keys, raw storages).
/// The state dict is an OrderedDict of <c>torch._utils._rebuild_tensor_v2</c> calls over typed storages, or, for
/// the dtypes torch ≥ 2.1 has no typed storage class for (8-bit floats, uint16), of <c>_rebuild_tensor_v3</c> calls
/// over an untyped storage of bytes with the dtype as a <c>torch.&lt;name&gt;</c> global, as <c>Tensor.__reduce_ex__</c> does.
/// </summary>
public static class TorchCheckpointWriter
{
    /// <summary>One tensor to save: name, row-major shape, storage dtype (F32, F16, BF16, the four 8-bit floats or U16) and values.</summary>
    public sealed record Tensor(string Name, long[] Shape, TensorDType DType, float[] Values);

    public static byte[] Zip(IReadOnlyList<Tensor> tensors, string root = "archive", byte[]? pickle = null)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            Add(zip, $"{root}/data.pkl", pickle ?? StateDict(tensors, legacy: false));
            Add(zip, $"{root}/byteorder", "little"u8.ToArray());
            for (int i = 0; i < tensors.Count; i++)
            {
                Add(zip, $"{root}/data/{i}", Storage(tensors[i]));
            }

            Add(zip, $"{root}/version", "3\n"u8.ToArray());
        }

        return buffer.ToArray();
    }

    public static byte[] Legacy(IReadOnlyList<Tensor> tensors)
    {
        using var buffer = new MemoryStream();
        buffer.Write(new PickleBuilder().Proto(2).Long(LegacyMagic).Stop().ToArray());
        buffer.Write(new PickleBuilder().Proto(2).Int(1001).Stop().ToArray());
        buffer.Write(new PickleBuilder().Proto(2).EmptyDict().Mark().Unicode("protocol_version").Int(1001).Unicode("little_endian").Bool(true).SetItems().Stop().ToArray());
        buffer.Write(StateDict(tensors, legacy: true));
        var keys = new PickleBuilder().Proto(2).EmptyList().Mark();
        for (int i = 0; i < tensors.Count; i++)
        {
            keys.Unicode(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        buffer.Write(keys.Appends().Stop().ToArray());
        Span<byte> count = stackalloc byte[8];
        foreach (Tensor tensor in tensors)
        {
            byte[] storage = Storage(tensor);
            BinaryPrimitives.WriteInt64LittleEndian(count, StorageCount(tensor.DType, tensor.Values.Length));
            buffer.Write(count);
            buffer.Write(storage);
        }

        return buffer.ToArray();
    }

    /// <summary>0x1950a86a20f9469cfc6c, torch's legacy magic number, as LONG1 bytes.</summary>
    public static byte[] LegacyMagic { get; } = [0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

    /// <summary>The pickle of an OrderedDict state dict, protocol 2, as torch writes it.</summary>
    public static byte[] StateDict(IReadOnlyList<Tensor> tensors, bool legacy) =>
        StateDict(tensors.Select(t => (t.Name, t.Shape, t.DType)).ToArray(), legacy);

    /// <summary>The pickle of a state dict of tensors known by name, shape and dtype only; storage <c>i</c> holds tensor <c>i</c>.</summary>
    public static byte[] StateDict(IReadOnlyList<(string Name, long[] Shape, TensorDType DType)> tensors, bool legacy)
    {
        var p = new PickleBuilder().Proto(2).Global("collections", "OrderedDict").EmptyTuple().Reduce().Put().Mark();
        for (int i = 0; i < tensors.Count; i++)
        {
            (string Name, long[] Shape, TensorDType DType) tensor = tensors[i];
            string? storageClass = TorchDTypes.StorageClass(tensor.DType);
            string storageType = storageClass ?? TorchDTypes.UntypedStorage;
            int dot = storageType.LastIndexOf('.');
            p.Unicode(tensor.Name).Global("torch._utils", storageClass is null ? "_rebuild_tensor_v3" : "_rebuild_tensor_v2").Mark();
            p.Mark().Unicode("storage").Global(storageType[..dot], storageType[(dot + 1)..]).Unicode(i.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .Unicode("cpu").Int(StorageCount(tensor.DType, tensor.Shape.Aggregate(1L, (product, dim) => product * dim)));
            if (legacy)
            {
                p.None();
            }

            p.Tuple().BinPersId().Int(0).IntTuple(tensor.Shape).IntTuple(RowMajorStrides(tensor.Shape)).Bool(false)
                .Global("collections", "OrderedDict").EmptyTuple().Reduce();
            if (storageClass is null)
            {
                p.Global("torch", TorchDTypes.Name(tensor.DType));
            }

            p.Tuple().Reduce();
        }

        return p.SetItems().Stop().ToArray();
    }

    public static long[] RowMajorStrides(long[] shape)
    {
        var strides = new long[shape.Length];
        long stride = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = stride;
            stride *= shape[i];
        }

        return strides;
    }

    // A persistent id counts the elements of a typed storage, the bytes of an untyped one.
    private static long StorageCount(TensorDType dtype, long elements) =>
        TorchDTypes.StorageClass(dtype) is null ? elements * dtype.BitSize() / 8 : elements;

    private static byte[] Storage(Tensor tensor) => ElementBytes.Encode(tensor.DType, tensor.Values);

    private static void Add(ZipArchive zip, string name, byte[] data)
    {
        ZipArchiveEntry entry = zip.CreateEntry(name, CompressionLevel.NoCompression);
        using Stream stream = entry.Open();
        stream.Write(data);
    }
}
