using System.Buffers.Binary;
using CsCheck;
using TensorGuard.Core.Formats;
using TensorGuard.Core.Formats.Safetensors;
using TensorGuard.Tests.Corpus;

namespace TensorGuard.Core.Tests.Formats;

// Property: a valid file, randomly damaged, either still opens and reads consistently or fails with
// ModelFormatException — never another exception, a hang or a large allocation.
public sealed class SafetensorsMutationTests : IDisposable
{
    private const long AllocationBudget = 8L << 20;
    private static readonly TensorDType[] DTypes = [TensorDType.F32, TensorDType.BF16, TensorDType.F16, TensorDType.F64, TensorDType.I8, TensorDType.U8, TensorDType.I32, TensorDType.Bool, TensorDType.F8E4M3];

    private readonly TestDirectory _directory = new();

    private enum Mutation { BitFlip, Truncate, HeaderByte, LengthPrefix }

    private static readonly Gen<SafetensorsWriter.Tensor> GenTensor =
        from name in Gen.String[Gen.Char["abc._0123"], 1, 6]
        from dtype in Gen.Int[0, DTypes.Length - 1].Select(i => DTypes[i])
        from shape in Gen.Long[0, 4].Array[0, 3]
        let bytes = (int)(shape.Aggregate(1L, (p, d) => p * d) * dtype.BitSize() / 8)
        from data in Gen.Byte.Array[bytes]
        select new SafetensorsWriter.Tensor(name, dtype, shape, data);

    private static readonly Gen<(int Kind, long Position, ulong Value)> GenMutation =
        Gen.Select(Gen.Int[0, 3], Gen.Long[0, long.MaxValue], Gen.OneOf(Gen.ULong, Gen.ULong[0, 512], Gen.Const(0UL), Gen.Const(ulong.MaxValue), Gen.Const(100_000_000UL)));

    private static readonly Gen<(SafetensorsWriter.Tensor[] Tensors, bool Metadata, (int Kind, long Position, ulong Value)[] Mutations)> GenCase =
        Gen.Select(GenTensor.Array[1, 4], Gen.Bool, GenMutation.Array[1, 3]);

    [Fact(Timeout = 120_000)]
    public async Task Open_RandomlyDamagedFile_ParsesConsistentlyOrThrowsModelFormatException()
    {
        await Task.Run(() => GenCase.Sample(c => Check(c.Tensors, c.Metadata, c.Mutations), iter: 1500, threads: 1), TestContext.Current.CancellationToken);
    }

    private void Check(SafetensorsWriter.Tensor[] tensors, bool metadata, (int Kind, long Position, ulong Value)[] mutations)
    {
        tensors = tensors.DistinctBy(t => t.Name, StringComparer.Ordinal).ToArray();
        string path = _directory.File(Guid.NewGuid().ToString("N") + ".safetensors");
        SafetensorsWriter.Write(path, tensors, metadata ? new Dictionary<string, string> { ["format"] = "pt" } : null);
        byte[] bytes = File.ReadAllBytes(path);
        foreach ((int kind, long position, ulong value) in mutations)
        {
            bytes = Mutate(bytes, (Mutation)kind, position, value);
        }

        File.WriteAllBytes(path, bytes);
        long before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            float[][] first = ReadAll(path, out IReadOnlyList<TensorEntry> entries);
            float[][] second = ReadAll(path, out IReadOnlyList<TensorEntry> again);
            Assert.Equal(entries.Select(Describe), again.Select(Describe));
            Assert.Equal(entries.Select(t => t.Name).Order(StringComparer.Ordinal), entries.Select(t => t.Name));
            Assert.Equal(first.SelectMany(v => v).Select(BitConverter.SingleToInt32Bits), second.SelectMany(v => v).Select(BitConverter.SingleToInt32Bits));
        }
        catch (ModelFormatException error)
        {
            Assert.DoesNotContain('\n', error.Message);
        }
        finally
        {
            File.Delete(path);
        }

        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, AllocationBudget + (64L * bytes.Length));
    }

    private static string Describe(TensorEntry tensor) => $"{tensor.Name} {tensor.DType} {tensor.ShapeText}";

    private static float[][] ReadAll(string path, out IReadOnlyList<TensorEntry> entries)
    {
        using SafetensorsFile file = SafetensorsFile.Open(path);
        entries = file.Tensors;
        return file.Tensors.Select(t =>
        {
            var values = new float[t.ElementCount];
            file.ReadFloat32(t, 0, values);
            return values;
        }).ToArray();
    }

    private static byte[] Mutate(byte[] bytes, Mutation mutation, long position, ulong value)
    {
        if (bytes.Length <= 8)
        {
            return bytes;
        }

        int at = (int)(position % bytes.Length);
        int headerEnd = (int)Math.Min((ulong)bytes.Length, 8 + BinaryPrimitives.ReadUInt64LittleEndian(bytes) % (ulong)bytes.Length);
        byte[] copy = (byte[])bytes.Clone();
        switch (mutation)
        {
            case Mutation.BitFlip:
                copy[at] ^= (byte)(1 << (int)(value % 8));
                return copy;
            case Mutation.Truncate:
                return copy[..at];
            case Mutation.HeaderByte:
                // Replace a header byte with a JSON-significant character, so edits reach the validator
                // instead of stopping at the JSON parser.
                const string interesting = "{}[]\":,0123456789-e. ";
                copy[8 + (int)(position % Math.Max(1, headerEnd - 8))] = (byte)interesting[(int)(value % (ulong)interesting.Length)];
                return copy;
            default:
                // A third of the edits land near the true length, where off-by-one bugs live.
                BinaryPrimitives.WriteUInt64LittleEndian(copy, value % 3 == 0 ? (ulong)(headerEnd - 8) + (value % 7) - 3 : value);
                return copy;
        }
    }

    public void Dispose() => _directory.Dispose();
}
