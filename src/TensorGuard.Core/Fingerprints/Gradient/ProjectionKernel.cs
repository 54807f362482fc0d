using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using TensorGuard.Core.Formats;

namespace TensorGuard.Core.Fingerprints.Gradient;

/// <summary>
/// Computes y_p = W·x_p for every probe of a tensor in one pass over its weights, reading bounded blocks of
/// rows through <see cref="ITensorSource.ReadFloat32"/>. Each dot product is summed in float32 lanes over
/// fixed 512-element chunks and the chunks in float64, in the same order whatever the block size or the
/// number of threads, so results are reproducible and accurate to about 1e-7 relative.
/// </summary>
public static class ProjectionKernel
{
    /// <summary>Weights converted per block: 256 KiB of float32 (at least one row).</summary>
    public const int BlockElements = 1 << 16;

    private const int ChunkElements = 512;
    private const int ProbesPerPass = 4;

    /// <summary>A row of the tensor held a value that is not a finite number.</summary>
    public sealed class NonFiniteException(long row) : Exception($"row {row} holds a non-finite value")
    {
        /// <summary>The first row found with a non-finite product.</summary>
        public long Row { get; } = row;
    }

    /// <summary>Returns y[p][row] for every probe p (each of length <see cref="TensorEntry.RowLength"/>).</summary>
    /// <exception cref="NonFiniteException">A product is not finite: the weights hold NaN/infinity or overflow.</exception>
    public static double[][] Project(ITensorSource source, TensorEntry tensor, float[][] probes, int maxParallelism)
    {
        int width = checked((int)tensor.RowLength);
        long rows = tensor.Rows;
        if (probes.Any(probe => probe.Length != width))
        {
            throw new ArgumentException("Every probe must have the tensor's row length.", nameof(probes));
        }

        double[][] products = probes.Select(_ => new double[rows]).ToArray();
        int rowsPerBlock = Math.Max(1, BlockElements / width);
        long blocks = (rows + rowsPerBlock - 1) / rowsPerBlock;
        long firstNonFinite = long.MaxValue;
        var options = new ParallelOptions { MaxDegreeOfParallelism = maxParallelism };
        ParallelWork.Run(() => Parallel.For(0, blocks, options, () => new float[(long)rowsPerBlock * width], (block, _, buffer) =>
        {
            long firstRow = block * rowsPerBlock;
            int count = (int)Math.Min(rowsPerBlock, rows - firstRow);
            Span<float> weights = buffer.AsSpan(0, count * width);
            source.ReadFloat32(tensor, firstRow * width, weights);
            for (int r = 0; r < count; r += 2)
            {
                // Rows go in pairs to share probe loads; an odd last row is paired with itself.
                int second = Math.Min(r + 1, count - 1);
                long nonFinite = ProjectRows(weights.Slice(r * width, width), weights.Slice(second * width, width), probes, products, firstRow + r, firstRow + second);
                if (nonFinite >= 0)
                {
                    InterlockedMin(ref firstNonFinite, nonFinite);
                }
            }

            return buffer;
        }, _ => { }));

        // The lowest such row, whichever thread met it first.
        if (firstNonFinite != long.MaxValue)
        {
            throw new NonFiniteException(firstNonFinite);
        }

        return products;
    }

    private static void InterlockedMin(ref long target, long value)
    {
        long current = Interlocked.Read(ref target);
        while (value < current)
        {
            long seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    // The lower of the two rows with a product that is not finite, or −1. Optimised at once: these loops run for
    // seconds, tier-0 code is not worth starting with.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long ProjectRows(ReadOnlySpan<float> row0, ReadOnlySpan<float> row1, float[][] probes, double[][] products, long index0, long index1)
    {
        Span<double> sums0 = stackalloc double[ProbesPerPass];
        Span<double> sums1 = stackalloc double[ProbesPerPass];
        bool finite0 = true;
        bool finite1 = true;
        for (int first = 0; first < probes.Length; first += ProbesPerPass)
        {
            int count = Math.Min(ProbesPerPass, probes.Length - first);
            sums0.Clear();
            sums1.Clear();
            DotProducts(row0, row1, probes.AsSpan(first, count), sums0, sums1);
            for (int p = 0; p < count; p++)
            {
                finite0 &= double.IsFinite(sums0[p]);
                finite1 &= double.IsFinite(sums1[p]);
                products[first + p][index0] = sums0[p];
                products[first + p][index1] = sums1[p];
            }
        }

        return !finite0 ? index0 : !finite1 ? index1 : -1;
    }

    // Two rows times four probes: eight accumulators sharing each load (missing probes repeat the first; their
    // sums are ignored). Each row's arithmetic is the same whatever it is paired with.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DotProducts(ReadOnlySpan<float> row0, ReadOnlySpan<float> row1, ReadOnlySpan<float[]> probes, Span<double> sums0, Span<double> sums1)
    {
        int vectorEnd = row0.Length - (row0.Length % Vector256<float>.Count);
        ref float w0 = ref MemoryMarshal.GetReference(row0);
        ref float w1 = ref MemoryMarshal.GetReference(row1);
        ref float x0 = ref MemoryMarshal.GetArrayDataReference(probes[0]);
        ref float x1 = ref MemoryMarshal.GetArrayDataReference(probes[Math.Min(1, probes.Length - 1)]);
        ref float x2 = ref MemoryMarshal.GetArrayDataReference(probes[Math.Min(2, probes.Length - 1)]);
        ref float x3 = ref MemoryMarshal.GetArrayDataReference(probes[Math.Min(3, probes.Length - 1)]);
        for (int chunk = 0; chunk < vectorEnd; chunk += ChunkElements)
        {
            nuint end = (nuint)Math.Min(chunk + ChunkElements, vectorEnd);
            Vector256<float> a0 = Vector256<float>.Zero, a1 = Vector256<float>.Zero, a2 = Vector256<float>.Zero, a3 = Vector256<float>.Zero;
            Vector256<float> b0 = Vector256<float>.Zero, b1 = Vector256<float>.Zero, b2 = Vector256<float>.Zero, b3 = Vector256<float>.Zero;
            for (nuint j = (nuint)chunk; j < end; j += (nuint)Vector256<float>.Count)
            {
                Vector256<float> v = Vector256.LoadUnsafe(ref w0, j);
                Vector256<float> u = Vector256.LoadUnsafe(ref w1, j);
                Vector256<float> x = Vector256.LoadUnsafe(ref x0, j);
                a0 = Vector256.FusedMultiplyAdd(v, x, a0);
                b0 = Vector256.FusedMultiplyAdd(u, x, b0);
                x = Vector256.LoadUnsafe(ref x1, j);
                a1 = Vector256.FusedMultiplyAdd(v, x, a1);
                b1 = Vector256.FusedMultiplyAdd(u, x, b1);
                x = Vector256.LoadUnsafe(ref x2, j);
                a2 = Vector256.FusedMultiplyAdd(v, x, a2);
                b2 = Vector256.FusedMultiplyAdd(u, x, b2);
                x = Vector256.LoadUnsafe(ref x3, j);
                a3 = Vector256.FusedMultiplyAdd(v, x, a3);
                b3 = Vector256.FusedMultiplyAdd(u, x, b3);
            }

            sums0[0] += Lanes(a0);
            sums0[1] += Lanes(a1);
            sums0[2] += Lanes(a2);
            sums0[3] += Lanes(a3);
            sums1[0] += Lanes(b0);
            sums1[1] += Lanes(b1);
            sums1[2] += Lanes(b2);
            sums1[3] += Lanes(b3);
        }

        for (int j = vectorEnd; j < row0.Length; j++)
        {
            for (int p = 0; p < probes.Length; p++)
            {
                sums0[p] += (double)row0[j] * probes[p][j];
                sums1[p] += (double)row1[j] * probes[p][j];
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Lanes(Vector256<float> lanes)
    {
        Vector256<double> sum = Vector256.WidenLower(lanes) + Vector256.WidenUpper(lanes);
        return (sum[0] + sum[1]) + (sum[2] + sum[3]);
    }
}
