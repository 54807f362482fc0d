using TensorGuard.Core.Formats;

namespace LineageBench;

/// <summary>
/// A lazily computed model: every element is a seeded hash of (tensor, index), so 8B shapes cost no disk.
/// Reads cost about what converting BF16 from a warm page cache costs.
/// </summary>
internal sealed class SyntheticSource(Shapes shapes, ulong seed) : ITensorSource
{
    private readonly Dictionary<string, ulong> _keys = shapes.Tensors().ToDictionary(t => t.Name, t => Hash(NameHash(t.Name) ^ seed));

    public IReadOnlyList<TensorEntry> Tensors { get; } = shapes.Tensors()
        .Select(t => new TensorEntry(t.Name, TensorDType.BF16, t.Shape, "synthetic"))
        .OrderBy(t => t.Name, StringComparer.Ordinal).ToArray();

    public void ReadFloat32(TensorEntry tensor, long firstElement, Span<float> destination)
    {
        ulong key = _keys[tensor.Name];
        for (int i = 0; i < destination.Length; i++)
        {
            ulong h = Hash(key + (ulong)(firstElement + i));
            // Sum of four uniform bytes: roughly Gaussian, centred, scale 0.02.
            int sum = (int)(h & 0xFF) + (int)((h >> 8) & 0xFF) + (int)((h >> 16) & 0xFF) + (int)((h >> 24) & 0xFF) - 510;
            destination[i] = sum * (0.02f / 147.8f);
        }
    }

    public void Dispose()
    {
    }

    // string.GetHashCode differs per process; generated files and sketches must not.
    private static ulong NameHash(string name) => name.Aggregate(0xCBF29CE484222325UL, (h, c) => (h ^ c) * 0x100000001B3UL);

    internal static ulong Hash(ulong x)
    {
        x ^= x >> 33;
        x *= 0xFF51AFD7ED558CCDUL;
        x ^= x >> 33;
        x *= 0xC4CEB9FE1A85EC53UL;
        return x ^ (x >> 33);
    }
}
