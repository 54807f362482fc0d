using System.IO.Compression;
using System.Text;
using TensorGuard.Core.Formats;
using TensorGuard.ModelFactory;
using TensorGuard.ModelFactory.Formats;

namespace TensorGuard.Tests.Corpus;

/// <summary>
/// A hostile artifact: how to create it (returning the path to fingerprint and the base to merge an adapter into),
/// and the fragment its one-line error must contain, or null when it must be read (exit 0).
/// </summary>
public sealed record HostileInput(string? Fragment, Func<TestDirectory, (string Path, string? Base)> Create);

/// <summary>
/// Inputs built to make a reader overflow, hang, amplify or go quadratic, one or more per format: 64-bit
/// overflow, special files, decompression and memo amplification, quadratic structure, stride tricks. Every one
/// must end with exit 0 or exactly one message, within an allocation budget (Core tests) and as a CLI exit code
/// (CLI tests). Files are generated here; the one large file is sparse and takes no disk space.
/// </summary>
public static class HostileInputs
{
    private const uint F32 = 0, Q40 = 2;

    public static IReadOnlyDictionary<string, HostileInput> All { get; } = new Dictionary<string, HostileInput>
    {
        // GGUF
        ["gguf-byte-size-overflow"] = new("whose byte size overflows 64-bit arithmetic", d => (Gguf(d, [("blk.0.attn_q.weight", [1L << 61, 1], F32, 0)], 32), null)),
        ["gguf-offset-near-2^63"] = new("past the end", d => (Gguf(d, [("blk.0.attn_q.weight", [8, 1], F32, long.MaxValue - 31)], 32), null)),
        ["gguf-element-count-overflow"] = new("element count overflows", d => (Gguf(d, [("blk.0.attn_q.weight", [1L << 40, 1L << 40], F32, 0)], 32), null)),
        ["gguf-30000-tensors-in-one-layer"] = new("holds no floating-point weight matrix", d => (Gguf(d, Enumerable.Range(0, 30_000).Select(i => ($"blk.0.ffn_{Letters(i)}.weight", new long[] { 8 }, F32, i * 32L)).ToArray(), 30_000 * 32), null)),
        ["gguf-q4_0-row-of-2^31+32"] = new("beyond the 2097152 rows of at most 1048576 elements", d => (Gguf(d, [("blk.0.attn_q.weight", [(1L << 31) + 32, 1], Q40, 0)], ((1L << 31) + 32) / 32 * 18), null)),
        ["gguf-fifo"] = new("is a named pipe (FIFO), not a regular file", d => (MalformedModels.Fifo(d.File("model.gguf")), null)),

        // ONNX
        ["onnx-external-data-fifo"] = new("is a named pipe (FIFO), not a regular file", d => (OnnxWithFifoData(d), null)),
        ["onnx-external-data-overlap"] = new("overlap", d => (OnnxWithOverlappingData(d), null)),
        ["onnx-2000-int4-weights-sharing-one-scale"] = new("holds no floating-point weight matrix", d => (OnnxWithSharedScale(d), null)),

        // TFLite
        ["tflite-root-outside-the-file"] = new("outside the", d => (Write(d.File("model.tflite"), [0xF0, 0xFF, 0xFF, 0x7F, .. "TFL3"u8, 0, 0, 0, 0]), null)),
        ["tflite-vector-past-the-end"] = new("past the end of the", d => (TfliteWithHugeVector(d), null)),
        ["tflite-buffer-outside-the-file"] = new("outside the", d => (Tflite(d, w => w.ExternalTensor("w", [16, 16], 1UL << 40, 1024)), null)),
        ["tflite-buffer-offset-near-2^64"] = new("outside the", d => (Tflite(d, w => w.ExternalTensor("w", [16, 16], ulong.MaxValue - 7, 1024)), null)),
        ["tflite-overlapping-buffers"] = new("overlap", d => (Tflite(d, w => Enumerable.Range(0, 200).Select(i => w.ExternalTensor($"w{i}", [4, 4], 8, 64)).ToArray()[^1]), null)),
        ["tflite-shape-overflow"] = new("has invalid dimensions", d => (Tflite(d, w => w.Tensor("w", [1 << 30, 1 << 30, 1 << 30], TensorDType.F32, new byte[16])), null)),
        ["tflite-50000-tensors-one-name"] = new("holds no floating-point weight matrix", d => (Tflite(d, w => Enumerable.Range(0, 50_000).Select(_ => w.Tensor("w", [4], TensorDType.F32, new byte[16])).ToArray()[^1]), null)),
        ["tflite-conv3d-filter-dims-overflow"] = new("has invalid dimensions", d => (TfliteFilter(d, TfliteWriter.Conv3D, [1 << 16, 1 << 16, 1 << 16, 1 << 16, 4], elements: 16), null)),
        ["tflite-transpose-conv-filter-of-rank-3"] = new(null, d => (TfliteFilter(d, TfliteWriter.TransposeConv, [16, 4, 4], elements: 256), null)),
        ["tflite-conv3d-filter-of-rank-4"] = new(null, d => (TfliteFilter(d, TfliteWriter.Conv3D, [16, 3, 3, 8], elements: 1152), null)),
        ["tflite-int4-of-nearly-2^63-elements"] = new("bytes of I4 but its buffer holds 16", d => (Tflite(d, w => w.Tensor("w", [int.MaxValue, int.MaxValue, 2], TensorDType.I4, new byte[16], scales: [1f])), null)),
        ["tflite-fifo"] = new("is a named pipe (FIFO), not a regular file", d => (MalformedModels.Fifo(d.File("model.tflite")), null)),

        // PyTorch
        ["pytorch-long1-integers"] = new(null, d => (Checkpoint(d, TensorPickle(p => p.Long([8, 0]), p => p.Long([0]), [2, 4], [4, 1])), null)),
        ["pytorch-size-product-overflow"] = new("overflows 64-bit arithmetic", d => (Checkpoint(d, TensorPickle(p => p.Int(8), p => p.Int(0), [int.MaxValue, int.MaxValue, int.MaxValue], [1, 1, 1])), null)),
        ["pytorch-stride-0-view"] = new("repeats elements of its storage", d => (Checkpoint(d, TensorPickle(p => p.Int(8), p => p.Int(0), [1L << 31, 8], [0, 1])), null)),
        ["pytorch-overlapping-strides"] = new("repeats elements of its storage", d => (Checkpoint(d, TensorPickle(p => p.Int(8), p => p.Int(0), [4, 4], [1, 1])), null)),
        ["pytorch-negative-offset"] = new("starts at offset -1", d => (Checkpoint(d, TensorPickle(p => p.Int(8), p => p.Int(-1), [2, 4], [4, 1])), null)),
        ["pytorch-none-in-size"] = new("holds None, not a non-negative integer", d => (Checkpoint(d, Pickle(p => p.EmptyDict().Unicode("t").Global("torch._utils", "_rebuild_tensor_v2").Mark()
            .Mark().Unicode("storage").Global("torch", "FloatStorage").Unicode("0").Unicode("cpu").Int(8).Tuple().BinPersId()
            .Int(0).Mark().None().Tuple().IntTuple([1]).Bool(false).None().Tuple().Reduce().Op(0x73).Stop())), null)),
        ["pytorch-long4-over-limit"] = new("over the limit of 1024 bytes", d => (Checkpoint(d, Pickle(p => p.Op(0x8B).Raw(BitConverter.GetBytes(100_000)).Raw(new byte[100_001]).Stop())), null)),
        ["pytorch-empty-list-bomb"] = new("refused as an amplification bomb", d => (Checkpoint(d, Pickle(p => Repeat(p.EmptyDict(), 8 << 20, b => b.EmptyList().Op(0x30)).Stop()), CompressionLevel.SmallestSize), null)),
        ["pytorch-memo-string-reused-deep"] = new("longer than 4096 characters", d => (Checkpoint(d, MemoReusedDeep()), null)),
        ["pytorch-legacy-list-bomb"] = new("refused as an amplification bomb", d => (Write(d.File("model.bin"), Pickle(p => Repeat(p, 4 << 20, b => b.EmptyList().Op(0x30)).Stop())), null)),
        ["pytorch-fifo"] = new("is a named pipe (FIFO), not a regular file", d => (MalformedModels.Fifo(d.File("model.pt")), null)),
        ["pytorch-v3-bytes-not-whole-elements"] = new("whose 31 bytes are not a whole number of 2-byte elements", d => (Checkpoint(d, TensorPickleV3("uint16", 31, 0, [2, 4], [4, 1])), null)),
        ["pytorch-v3-size-product-overflow"] = new("overflows 64-bit arithmetic", d => (Checkpoint(d, TensorPickleV3("float8_e4m3fn", 32, 0, [int.MaxValue, int.MaxValue, int.MaxValue], [1, 1, 1])), null)),
        ["pytorch-v3-offset-near-2^63"] = new("overflows 64-bit arithmetic", d => (Checkpoint(d, TensorPickleV3("float8_e4m3fn", 32, long.MaxValue, [2], [1])), null)),
        ["pytorch-v3-view-past-its-elements"] = new("reaches element 16 of storage \"0\" holding 16", d => (Checkpoint(d, TensorPickleV3("uint16", 32, 1, [4, 4], [4, 1])), null)),
        ["pytorch-v3-stride-0-view"] = new("repeats elements of its storage", d => (Checkpoint(d, TensorPickleV3("float8_e5m2", 32, 0, [1L << 31, 32], [0, 1])), null)),
        ["pytorch-v3-bogus-dtype"] = new("references torch.float8_bogus (GLOBAL", d => (Checkpoint(d, TensorPickleV3("float8_bogus", 32, 0, [4, 8], [8, 1])), null)),
        ["pytorch-v3-os-system-as-dtype"] = new("references os.system (GLOBAL", d => (Checkpoint(d, TensorPickleV3(p => p.Global("os", "system"), 32, 0, [4, 8], [8, 1])), null)),
        ["pytorch-v3-storage-class-as-dtype"] = new("its dtype is torch.FloatStorage", d => (Checkpoint(d, TensorPickleV3(p => p.Global("torch", "FloatStorage"), 32, 0, [4, 8], [8, 1])), null)),
        ["pytorch-v3-unreadable-dtype"] = new("tensor \"t\" is saved as torch.complex32, a dtype TensorGuard does not read", d => (Checkpoint(d, TensorPickleV3("complex32", 32, 0, [2, 4], [4, 1])), null)),

        // PEFT and safetensors folders
        ["peft-config-fifo"] = new("is a named pipe (FIFO), not a regular file", d => MalformedAdapters.Valid(d) is var valid ? (ReplaceWithFifo(Path.Combine(valid.Adapter, "adapter_config.json"), valid.Adapter), valid.Base) : default),
        ["peft-bin-stride-0-view"] = new("repeats elements of its storage", d => MalformedAdapters.Valid(d) is var valid ? (StrideZeroAdapter(d, valid.Adapter), valid.Base) : default),
        ["safetensors-config-fifo"] = new("is a named pipe (FIFO), not a regular file", d => (ReplaceWithFifo(Path.Combine(SmallModel(d), "config.json"), SmallModel(d)), null)),
        ["safetensors-index-fifo"] = new("is a named pipe (FIFO), not a regular file", d => (MalformedModels.Fifo(d.File("model.safetensors.index.json")), null)),
        ["safetensors-shape-overflow"] = new("overflows 64 bits", d => (RawSafetensors.Write(d.File("m.safetensors"), "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}", 8), null)),
    };

    /// <summary>A pickle holding one tensor "t" of the given size and stride over storage "0" (8 floats).</summary>
    private static byte[] TensorPickle(Func<PickleBuilder, PickleBuilder> numel, Func<PickleBuilder, PickleBuilder> offset, long[] size, long[] stride) => Pickle(p =>
    {
        p.EmptyDict().Unicode("t").Global("torch._utils", "_rebuild_tensor_v2").Mark()
            .Mark().Unicode("storage").Global("torch", "FloatStorage").Unicode("0").Unicode("cpu");
        numel(p).Tuple().BinPersId();
        offset(p);
        return p.IntTuple(size).IntTuple(stride).Bool(false).None().Tuple().Reduce().Op(0x73).Stop();
    });

    /// <summary>
    /// A pickle holding one tensor "t" rebuilt by <c>_rebuild_tensor_v3</c> as torch ≥ 2.1 saves 8-bit floats and
    /// uint16: over storage "0" as an untyped storage of <paramref name="bytes"/> bytes, with the dtype global last.
    /// </summary>
    public static byte[] TensorPickleV3(string dtype, long bytes, long offset, long[] size, long[] stride) =>
        TensorPickleV3(p => p.Global("torch", dtype), bytes, offset, size, stride);

    /// <summary>The same, with the global <paramref name="dtype"/> writes in the dtype's place.</summary>
    public static byte[] TensorPickleV3(Func<PickleBuilder, PickleBuilder> dtype, long bytes, long offset, long[] size, long[] stride) => Pickle(p =>
    {
        p.EmptyDict().Unicode("t").Global("torch._utils", "_rebuild_tensor_v3").Mark()
            .Mark().Unicode("storage").Global("torch.storage", "UntypedStorage").Unicode("0").Unicode("cpu").Int(bytes).Tuple().BinPersId()
            .Int(offset).IntTuple(size).IntTuple(stride).Bool(false).Global("collections", "OrderedDict").EmptyTuple().Reduce();
        return dtype(p).Tuple().Reduce().Op(0x73).Stop();
    });

    // The adapter's weights as adapter_model.bin whose one tensor claims 2^31 rows over 8 stored floats.
    private static string StrideZeroAdapter(TestDirectory d, string adapter)
    {
        File.Delete(Path.Combine(adapter, "adapter_model.safetensors"));
        File.Move(Checkpoint(d, TensorPickle(p => p.Int(8), p => p.Int(0), [1L << 31, 8], [0, 1])), Path.Combine(adapter, "adapter_model.bin"));
        return adapter;
    }

    private static byte[] Pickle(Func<PickleBuilder, PickleBuilder> body) => body(new PickleBuilder().Proto(2)).ToArray();

    private static PickleBuilder Repeat(PickleBuilder builder, int times, Func<PickleBuilder, PickleBuilder> step)
    {
        for (int i = 0; i < times; i++)
        {
            step(builder);
        }

        return builder;
    }

    // One 1 MiB string, memoised once, then used as the key of 60 nested dicts around one tensor.
    private static byte[] MemoReusedDeep()
    {
        const int Depth = 60;
        var p = new PickleBuilder().Proto(2).Unicode(new string('k', 1 << 20)).Put().Op(0x30);
        for (int i = 0; i < Depth; i++)
        {
            p.EmptyDict().Get(0);
        }

        p.Global("torch._utils", "_rebuild_tensor_v2").Mark()
            .Mark().Unicode("storage").Global("torch", "FloatStorage").Unicode("0").Unicode("cpu").Int(8).Tuple().BinPersId()
            .Int(0).IntTuple([2, 4]).IntTuple([4, 1]).Bool(false).None().Tuple().Reduce();
        for (int i = 0; i < Depth; i++)
        {
            p.Op(0x73); // SETITEM: the inner dict becomes the value of the memoised key in the outer one
        }

        return p.Stop().ToArray();
    }

    // A torch.save zip around `pickle`, with storage "0" of 8 floats.
    private static string Checkpoint(TestDirectory d, byte[] pickle, CompressionLevel pickleCompression = CompressionLevel.NoCompression)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach ((string name, byte[] data, CompressionLevel level) in new[]
            {
                ("archive/data.pkl", pickle, pickleCompression),
                ("archive/byteorder", "little"u8.ToArray(), CompressionLevel.NoCompression),
                ("archive/data/0", Enumerable.Range(1, 8).SelectMany(i => BitConverter.GetBytes(i * 0.25f)).ToArray(), CompressionLevel.NoCompression),
            })
            {
                using Stream stream = zip.CreateEntry(name, level).Open();
                stream.Write(data);
            }
        }

        return Write(d.File("model.pt"), buffer.ToArray());
    }

    // A GGUF file with the given tensor infos (names, ggml dimensions, type, offset) and `dataBytes` of zeros.
    private static string Gguf(TestDirectory d, (string Name, long[] Dimensions, uint Type, long Offset)[] tensors, long dataBytes)
    {
        var bytes = new GgufBytes().UInt32(0x46554747).UInt32(3).UInt64((ulong)tensors.Length).UInt64(1).String("general.architecture").UInt32(8).String("llama");
        foreach ((string name, long[] dimensions, uint type, long offset) in tensors)
        {
            bytes.String(name).UInt32((uint)dimensions.Length);
            foreach (long dimension in dimensions)
            {
                bytes.UInt64((ulong)dimension);
            }

            bytes.UInt32(type).UInt64((ulong)offset);
        }

        string path = Write(d.File("model.gguf"), bytes.Pad(32).ToArray());
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Write);
        stream.SetLength(stream.Length + dataBytes); // sparse: the zeros take no disk space
        return path;
    }

    private static string OnnxWithFifoData(TestDirectory d)
    {
        string path = Onnx(d, new OnnxWriter().Initializer("w", [4, 8], TensorDType.F32, new float[32], OnnxWriter.Storage.External));
        return ReplaceWithFifo(Path.Combine(d.Path, "model.onnx_data"), path);
    }

    // 200 initializers that all name the same 64 KiB of external data: reading each would read the bytes 200 times.
    private static string OnnxWithOverlappingData(TestDirectory d)
    {
        const int Side = 128;
        var writer = new OnnxWriter();
        for (int i = 0; i < 200; i++)
        {
            writer.RawInitializer(new OnnxWriter.Proto().Varint(1, Side).Varint(1, Side).Varint(2, 1).String(8, $"model.layers.{i}.mlp.up_proj.weight")
                .Message(13, new OnnxWriter.Proto().String(1, "location").String(2, "shared.bin"))
                .Message(13, new OnnxWriter.Proto().String(1, "offset").String(2, "0"))
                .Varint(14, 1).ToArray());
        }

        Write(d.File("shared.bin"), new byte[Side * Side * 4]);
        return Onnx(d, writer);
    }

    private static string Onnx(TestDirectory d, OnnxWriter writer) => writer.Write(d.Path, "model.onnx");

    // 2,000 packed 4-bit weights of 4,096 values (2 KiB each) dequantized with one per-axis scale of 4,096 values:
    // read per weight, the scales alone would take 16 bytes per stored byte.
    private static string OnnxWithSharedScale(TestDirectory d)
    {
        const int Length = 4096;
        var writer = new OnnxWriter().Initializer("scale", [Length], TensorDType.F32, new float[Length]);
        for (int i = 0; i < 2000; i++)
        {
            writer.Initializer($"w{i}_quantized", [Length], TensorDType.I4, new float[Length]).Node("DequantizeLinear", [$"w{i}_quantized", "scale"], [$"w{i}"], axis: 0);
        }

        return Onnx(d, writer);
    }

    private static string Tflite(TestDirectory d, Func<TfliteWriter, int> tensors)
    {
        var writer = new TfliteWriter();
        tensors(writer);
        return writer.Write(d.Path);
    }

    // A float32 filter of that shape, holding that many elements, read by operator code as its input 1 (a convolution's filter).
    private static string TfliteFilter(TestDirectory d, int code, int[] shape, int elements) => Tflite(d, w =>
    {
        int filter = w.Tensor("filter", shape, TensorDType.F32, TfliteWriter.Float32(Enumerable.Range(0, elements).Select(i => MathF.Sin(i)).ToArray()));
        w.Operator(code, [w.Activation("x", [1]), filter, w.Activation("z", [1])], [w.Activation("y", [1])]);
        return filter;
    });

    // A buffer whose data vector claims 2^31 − 1 bytes in a file of a few hundred.
    private static string TfliteWithHugeVector(TestDirectory d)
    {
        byte[] data = Enumerable.Repeat((byte)0xAB, 64).ToArray();
        var writer = new TfliteWriter();
        writer.Tensor("w", [4, 4], TensorDType.F32, data);
        byte[] file = writer.ToArray();
        int at = file.AsSpan().IndexOf(data);
        BitConverter.TryWriteBytes(file.AsSpan(at - 4), int.MaxValue);
        return Write(d.File("model.tflite"), file);
    }

    private static string SmallModel(TestDirectory d)
    {
        string directory = d.File("model");
        if (!Directory.Exists(directory))
        {
            TestModels.Create(ModelFamily.Llama, seed: 3).Save(directory);
        }

        return directory;
    }

    private static string Letters(int index)
    {
        var text = new StringBuilder();
        do
        {
            text.Insert(0, (char)('a' + (index % 26)));
            index /= 26;
        }
        while (index > 0);
        return text.ToString();
    }

    private static string Write(string path, byte[] bytes)
    {
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static string ReplaceWithFifo(string file, string returned)
    {
        File.Delete(file);
        MalformedModels.Fifo(file);
        return returned;
    }
}
