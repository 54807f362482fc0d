using System.Numerics;
using System.Runtime.InteropServices;

namespace TensorGuard.Core.Formats;

/// <summary>NaN and infinity counts of one tensor.</summary>
public sealed record NonFiniteCount(string Tensor, long Nan, long PositiveInfinity, long NegativeInfinity)
{
    /// <summary>All non-finite elements.</summary>
    public long Total => Nan + PositiveInfinity + NegativeInfinity;
}

/// <summary>
/// Result of scanning a model for non-finite weights: the tensors that hold any (sorted by name), how many
/// elements were scanned, and the floating-point tensors that could not be scanned because their dtype
/// has no float32 conversion — a caller must not read those as clean.
/// </summary>
public sealed record NonFiniteReport(IReadOnlyList<NonFiniteCount> Tensors, long ScannedElements, IReadOnlyList<string> NotScanned)
{
    /// <summary>All non-finite elements over the model.</summary>
    public long Total => Tensors.Sum(t => t.Total);
}

/// <summary>
/// Counts NaN and ±infinity in weights, reading through <see cref="ITensorSource"/> in fixed-size blocks so
/// memory stays bounded by the block whatever the model size. Integer and boolean tensors are finite by
/// construction and skipped.
/// </summary>
public static class NonFiniteScanner
{
    /// <summary>Elements per block: 256 KiB of float32, large enough to amortise calls, small enough for L2.</summary>
    public const int DefaultBlockElements = 1 << 16;

    private const uint ExponentMask = 0x7F80_0000;
    private const uint MantissaMask = 0x007F_FFFF;

    /// <summary>Scans every floating-point tensor of <paramref name="source"/>.</summary>
    public static NonFiniteReport Scan(ITensorSource source, int blockElements = DefaultBlockElements)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockElements, 1);
        var buffer = new float[blockElements];
        var found = new List<NonFiniteCount>();
        var notScanned = new List<string>();
        long scanned = 0;
        foreach (TensorEntry tensor in source.Tensors.Where(t => t.DType.IsFloatingPoint()))
        {
            if (!tensor.DType.IsConvertible())
            {
                notScanned.Add(tensor.Name);
                continue;
            }

            NonFiniteCount count = Scan(source, tensor, buffer);
            scanned += tensor.ElementCount;
            if (count.Total > 0)
            {
                found.Add(count);
            }
        }

        return new NonFiniteReport(found, scanned, notScanned);
    }

    /// <summary>Scans one tensor, using <paramref name="buffer"/> as the block.</summary>
    /// <exception cref="ModelFormatException">The tensor's dtype cannot be converted to float32.</exception>
    public static NonFiniteCount Scan(ITensorSource source, TensorEntry tensor, Span<float> buffer)
    {
        ArgumentOutOfRangeException.ThrowIfZero(buffer.Length);
        long nan = 0, positive = 0, negative = 0;
        for (long first = 0; first < tensor.ElementCount; first += buffer.Length)
        {
            Span<float> block = buffer[..(int)Math.Min(buffer.Length, tensor.ElementCount - first)];
            source.ReadFloat32(tensor, first, block);
            ReadOnlySpan<uint> bits = MemoryMarshal.Cast<float, uint>(block);
            if (!AnyNonFinite(bits))
            {
                continue;
            }

            foreach (uint value in bits)
            {
                if ((value & ExponentMask) != ExponentMask)
                {
                    continue;
                }

                if ((value & MantissaMask) != 0)
                {
                    nan++;
                }
                else if ((int)value < 0)
                {
                    negative++;
                }
                else
                {
                    positive++;
                }
            }
        }

        return new NonFiniteCount(tensor.Name, nan, positive, negative);
    }

    // Non-finite floats are the ones whose exponent bits are all set; weights almost never have any,
    // so test a whole block with SIMD and classify element by element only when it has one.
    private static bool AnyNonFinite(ReadOnlySpan<uint> bits)
    {
        var mask = new Vector<uint>(ExponentMask);
        int i = 0;
        for (; i <= bits.Length - Vector<uint>.Count; i += Vector<uint>.Count)
        {
            if (Vector.EqualsAny(new Vector<uint>(bits[i..]) & mask, mask))
            {
                return true;
            }
        }

        for (; i < bits.Length; i++)
        {
            if ((bits[i] & ExponentMask) == ExponentMask)
            {
                return true;
            }
        }

        return false;
    }
}
