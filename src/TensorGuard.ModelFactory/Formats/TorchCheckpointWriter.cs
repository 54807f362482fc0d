using System.Buffers.Binary;
using System.IO.Compression;
using TensorGuard.Core.Formats;

namespace TensorGuard.ModelFactory.Formats;

/// <summary>
/// Writes PyTorch checkpoints as torch.save does, without PyTorch: the zip format (<c>archive/data.pkl</c>,
/// <c>archive/data/N</c> stored uncompressed, <c>archive/byteorder</c>, <c>archive/version</c>) and the legacy
/// format (magic number, protocol version, system info, the state dict, storage keys, raw storages).
/// The state dict is an OrderedDict of <c>torch._utils._rebuild_tensor_v2</c> calls over typed storages.
/// </summary>
public static class TorchCheckpointWriter
{
    /// <summary>One tensor to save: name, row-major shape, storage dtype and values.</summary>
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
            BinaryPrimitives.WriteInt64LittleEndian(count, tensor.Values.Length);
            buffer.Write(count);
            buffer.Write(Storage(tensor));
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
            p.Unicode(tensor.Name).Global("torch._utils", "_rebuild_tensor_v2").Mark();
            p.Mark().Unicode("storage").Global("torch", StorageClass(tensor.DType)).Unicode(i.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .Unicode("cpu").Int(tensor.Shape.Aggregate(1L, (product, dim) => product * dim));
            if (legacy)
            {
                p.None();
            }

            p.Tuple().BinPersId().Int(0).IntTuple(tensor.Shape).IntTuple(RowMajorStrides(tensor.Shape)).Bool(false)
                .Global("collections", "OrderedDict").EmptyTuple().Reduce().Tuple().Reduce();
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

    private static string StorageClass(TensorDType dtype) => dtype switch
    {
        TensorDType.F32 => "FloatStorage",
        TensorDType.F16 => "HalfStorage",
        TensorDType.BF16 => "BFloat16Storage",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Not a float storage."),
    };

    private static byte[] Storage(Tensor tensor) => GgufQuantizer.Quantize(tensor.DType, tensor.Values);

    private static void Add(ZipArchive zip, string name, byte[] data)
    {
        ZipArchiveEntry entry = zip.CreateEntry(name, CompressionLevel.NoCompression);
        using Stream stream = entry.Open();
        stream.Write(data);
    }
}
