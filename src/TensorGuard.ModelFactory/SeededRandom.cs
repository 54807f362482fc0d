using System.Text;

namespace TensorGuard.ModelFactory;

/// <summary>
/// The factory's only source of randomness: xoshiro256** seeded through SplitMix64, Gaussians by
/// Box–Muller. Every tensor draws from its own stream keyed by (seed, purpose, tensor role), so a value
/// never depends on generation order, on other tensors, or on threads; results are bit-identical on a
/// given platform (Box–Muller's log/sin/cos come from the platform's math library).
/// </summary>
public sealed class SeededRandom
{
    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;
    private double? _spareGaussian;

    /// <summary>A stream fully determined by <paramref name="seed"/>.</summary>
    public SeededRandom(ulong seed)
    {
        ulong state = seed;
        _s0 = SplitMix64(ref state);
        _s1 = SplitMix64(ref state);
        _s2 = SplitMix64(ref state);
        _s3 = SplitMix64(ref state);
    }

    /// <summary>An independent stream for one purpose (e.g. <c>init/3.AttnQ</c>) under a user seed.</summary>
    public static SeededRandom For(long seed, string stream)
    {
        ulong hash = 14695981039346656037UL;
        foreach (byte b in Encoding.UTF8.GetBytes(stream))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        ulong mixed = (ulong)seed;
        return new SeededRandom(SplitMix64(ref mixed) ^ hash);
    }

    /// <summary>Next 64 uniformly distributed bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, <paramref name="bound"/>), without modulo bias.</summary>
    public int NextInt(int bound)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bound);
        ulong limit = ulong.MaxValue - (ulong.MaxValue % (ulong)bound);
        ulong draw;
        do
        {
            draw = NextUInt64();
        }
        while (draw >= limit);

        return (int)(draw % (ulong)bound);
    }

    /// <summary>Standard normal draw (Box–Muller; the second value of each pair is kept for the next call).</summary>
    public double NextGaussian()
    {
        if (_spareGaussian is double spare)
        {
            _spareGaussian = null;
            return spare;
        }

        double radius = Math.Sqrt(-2.0 * Math.Log(1.0 - NextDouble()));
        double angle = 2.0 * Math.PI * NextDouble();
        _spareGaussian = radius * Math.Sin(angle);
        return radius * Math.Cos(angle);
    }

    /// <summary>Student-t draw with <paramref name="degreesOfFreedom"/> (integer) degrees, scaled to unit variance.</summary>
    public double NextStudentT(int degreesOfFreedom)
    {
        double chiSquare = 0;
        for (int i = 0; i < degreesOfFreedom; i++)
        {
            double g = NextGaussian();
            chiSquare += g * g;
        }

        double t = NextGaussian() / Math.Sqrt(chiSquare / degreesOfFreedom);
        return t * Math.Sqrt((degreesOfFreedom - 2.0) / degreesOfFreedom);
    }

    /// <summary>Fills <paramref name="destination"/> with N(0, <paramref name="std"/>²) draws.</summary>
    public void FillGaussian(Span<float> destination, double std = 1.0)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = (float)(NextGaussian() * std);
        }
    }

    /// <summary>A uniformly random permutation of 0..n-1 (Fisher–Yates).</summary>
    public int[] Permutation(int n)
    {
        int[] permutation = Enumerable.Range(0, n).ToArray();
        for (int i = n - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (permutation[i], permutation[j]) = (permutation[j], permutation[i]);
        }

        return permutation;
    }

    private static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
