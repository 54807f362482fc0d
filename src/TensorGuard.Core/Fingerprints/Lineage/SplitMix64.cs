namespace TensorGuard.Core.Fingerprints.Lineage;

/// <summary>SplitMix64: a tiny seeded generator whose sequence is fixed forever (unlike framework generators).</summary>
internal struct SplitMix64(ulong seed)
{
    private ulong _state = seed;

    public ulong Next()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A value in [0, <paramref name="bound"/>) (the modulo bias is negligible for small bounds).</summary>
    public ulong NextBelow(ulong bound) => Next() % bound;
}
