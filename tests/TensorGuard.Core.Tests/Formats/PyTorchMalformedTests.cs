using TensorGuard.Tests.Corpus;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using TensorGuard.Core.Formats;
using TensorGuard.ModelFactory.Formats;
using Checkpoint = TensorGuard.ModelFactory.Formats.TorchCheckpointWriter;

namespace TensorGuard.Core.Tests.Formats;

public class PyTorchMalformedTests
{
    private static readonly Checkpoint.Tensor[] Tensors =
    [
        new("a.weight", [2, 4], TensorDType.F32, [1, 2, 3, 4, 5, 6, 7, 8]),
        new("b.weight", [4], TensorDType.F16, [1, -1, 0.5f, 2]),
    ];

    private static readonly Dictionary<string, (byte[] Bytes, string Expected)> Corpus = Build();

    public static TheoryData<string> Cases => new(Corpus.Keys);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Open_MalformedCheckpoint_IsRejectedWithOneClearMessage(string name)
    {
        using var scratch = new TestDirectory();
        (byte[] bytes, string expected) = Corpus[name];

        ModelFormatException error = Rejection.AssertRejected(scratch.Write(name + ".bin", bytes));

        Assert.Contains(expected, error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Corpus_HasAtLeastTwentyFiles() => Assert.True(Corpus.Count >= 20);

    [Fact]
    public void Open_RandomMutationsOfZip_AreReadOrRejectedCleanly() =>
        Rejection.AssertMutationsRejectedCleanly(Checkpoint.Zip(Tensors), "mutated.pt");

    [Fact]
    public void Open_RandomMutationsOfLegacy_AreReadOrRejectedCleanly() =>
        Rejection.AssertMutationsRejectedCleanly(Checkpoint.Legacy(Tensors), "mutated.bin");

    private static byte[] Pickle(Func<PickleBuilder, PickleBuilder> body) => Checkpoint.Zip(Tensors, pickle: body(new PickleBuilder().Proto(2)).ToArray());

    // One tensor over storage "0" (8 floats) with the given offset, size and stride.
    private static byte[] TensorPickle(long offset, long[] size, long[] stride, long numel = 8) => Pickle(p => p
        .EmptyDict().Unicode("t").Global("torch._utils", "_rebuild_tensor_v2").Mark()
        .Mark().Unicode("storage").Global("torch", "FloatStorage").Unicode("0").Unicode("cpu").Int(numel).Tuple().BinPersId()
        .Int(offset).IntTuple(size).IntTuple(stride).Bool(false).None().Tuple().Reduce().Op(0x73).Stop());

    private static byte[] ZipOf(params (string Name, byte[] Data, CompressionLevel Level)[] entries)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach ((string name, byte[] data, CompressionLevel level) in entries)
            {
                using Stream stream = zip.CreateEntry(name, level).Open();
                stream.Write(data);
            }
        }

        return buffer.ToArray();
    }

    // Patches a 4-byte field of the end-of-central-directory record (the archive has no comment, so it is the last 22 bytes).
    private static byte[] PatchEnd(byte[] zip, int field, uint value)
    {
        byte[] patched = zip.ToArray();
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(patched.AsSpan(patched.Length - 22 + field), value);
        return patched;
    }

    // Patches a field of the central directory record of the entry named `name`.
    private static byte[] PatchCentral(byte[] zip, string name, int field, uint value, int width = 4)
    {
        byte[] copy = (byte[])zip.Clone();
        byte[] signature = [0x50, 0x4b, 0x01, 0x02];
        for (int at = 0; at < copy.Length - 46; at++)
        {
            if (copy.AsSpan(at, 4).SequenceEqual(signature)
                && Encoding.UTF8.GetString(copy, at + 46, BinaryPrimitives.ReadUInt16LittleEndian(copy.AsSpan(at + 28))) == name)
            {
                if (width == 2)
                {
                    BinaryPrimitives.WriteUInt16LittleEndian(copy.AsSpan(at + field), (ushort)value);
                }
                else
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(at + field), value);
                }

                return copy;
            }
        }

        throw new InvalidOperationException($"No entry {name}.");
    }

    private static Dictionary<string, (byte[], string)> Build()
    {
        byte[] zip = Checkpoint.Zip(Tensors);
        byte[] legacy = Checkpoint.Legacy(Tensors);
        byte[] pickle = Checkpoint.StateDict(Tensors, legacy: false);
        return new()
        {
            ["empty"] = ([], "too short"),
            ["three-bytes"] = ([0x80, 0x02, 0x7d], "too short"),
            ["text"] = ("hello, this is not a model"u8.ToArray(), "pickle"),
            ["zip-without-pickle"] = (ZipOf(("archive/data/0", new byte[32], CompressionLevel.NoCompression)), "no data.pkl"),
            ["zip-two-pickles"] = (ZipOf(("a/data.pkl", pickle, CompressionLevel.NoCompression), ("b/data.pkl", pickle, CompressionLevel.NoCompression)), "several data.pkl"),
            ["zip-missing-storage"] = (ZipOf(("archive/data.pkl", pickle, CompressionLevel.NoCompression)), "has no entry archive/data/0"),
            ["zip-compressed-storage"] = (ZipOf(("archive/data.pkl", pickle, CompressionLevel.NoCompression), ("archive/data/0", new byte[32], CompressionLevel.Optimal), ("archive/data/1", new byte[8], CompressionLevel.NoCompression)), "is compressed"),
            ["zip-short-storage"] = (ZipOf(("archive/data.pkl", pickle, CompressionLevel.NoCompression), ("archive/data/0", new byte[31], CompressionLevel.NoCompression), ("archive/data/1", new byte[8], CompressionLevel.NoCompression)), "declares 8 elements but holds 31 bytes"),
            ["zip-big-endian"] = (ZipOf(("archive/data.pkl", pickle, CompressionLevel.NoCompression), ("archive/byteorder", "big"u8.ToArray(), CompressionLevel.NoCompression)), "big-endian"),
            ["zip-truncated"] = (zip[..^30], "zip"),
            ["zip-huge-directory"] = (PatchEnd(zip, 12, 0xF000_0000), "over the 134217728-byte limit"),
            ["zip-directory-outside"] = (PatchCentral(zip, "archive/data.pkl", 42, 0x7FFFFFF0), "local header"),
            ["zip-encrypted"] = (PatchCentral(zip, "archive/data.pkl", 8, 1, width: 2), "encrypted"),
            ["zip-pickle-size-lies"] = (PatchCentral(ZipOf(("archive/data.pkl", pickle, CompressionLevel.Optimal)), "archive/data.pkl", 24, 100_000), "inflates to a different size"),
            ["pickle-no-stop"] = (Pickle(p => p.EmptyDict()), "without a STOP"),
            ["pickle-unknown-opcode"] = (Pickle(p => p.Op(0xFF)), "unknown opcode 0xff"),
            ["pickle-stack-underflow"] = (Pickle(p => p.Reduce()), "empty stack"),
            ["pickle-missing-memo"] = (Pickle(p => p.Get(9)), "memo entry 9"),
            ["pickle-protocol-6"] = (Checkpoint.Zip(Tensors, pickle: new PickleBuilder().Proto(6).None().Stop().ToArray()), "protocol 6"),
            ["pickle-tensor-past-storage"] = (TensorPickle(4, [2, 4], [4, 1]), "reaches element 11"),
            ["pickle-negative-size"] = (TensorPickle(0, [-1], [1]), "not a non-negative integer"),
            ["pickle-bad-persistent-id"] = (Pickle(p => p.Mark().Unicode("storage").Tuple().BinPersId().Stop()), "persistent id"),
            ["pickle-no-tensors"] = (Pickle(p => p.EmptyDict().Stop()), "holds no tensors"),
            ["pickle-text-persid"] = (Pickle(p => p.Op(0x50).Raw("0\n"u8).Stop()), "PERSID"),
            ["pickle-out-of-band-buffer"] = (Pickle(p => p.Op(0x97).Stop()), "out-of-band"),
            ["pickle-bad-utf8"] = (Pickle(p => p.Op(0x58).Raw([2, 0, 0, 0, 0xC3, 0x28]).Stop()), "not valid UTF-8"),
            ["pickle-leftover-stack"] = (Pickle(p => p.None().None().Stop()), "values left on the stack"),
            ["legacy-wrong-magic"] = (new PickleBuilder().Proto(2).Int(12345).Stop().ToArray(), "magic number"),
            ["legacy-wrong-version"] = (new PickleBuilder().Proto(2).Long(Checkpoint.LegacyMagic).Stop().Proto(2).Int(7).Stop().ToArray(), "protocol version"),
            ["legacy-truncated-storage"] = (legacy[..^4], "truncated"),
            ["legacy-cut-in-storages"] = (legacy[..^60], "truncated"),
        };
    }
}
