using TensorGuard.Core.Formats;

namespace TensorGuard.Core.Tests.Fingerprints;

/// <summary>Seeded pseudo-random weights for small hand-built tensors.</summary>
internal static class TestWeights
{
    public static float[] Random(int count, int seed, float mean = 0f, float scale = 0.05f)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            // Sum of uniforms: roughly Gaussian, with some skew from the squared term.
            double u = random.NextDouble() + random.NextDouble() + random.NextDouble() - 1.5;
            values[i] = (float)(mean + (scale * (u + (0.3 * u * u))));
        }

        return values;
    }
}

/// <summary>An in-memory <see cref="ITensorSource"/> of float32 matrices.</summary>
internal sealed class MemoryTensorSource : ITensorSource
{
    private readonly Dictionary<string, float[]> _data;

    public MemoryTensorSource(params (string Name, int Rows, int Columns, float[] Values)[] tensors)
    {
        _data = tensors.ToDictionary(t => t.Name, t => t.Values);
        Tensors = tensors.OrderBy(t => t.Name, StringComparer.Ordinal)
            .Select(t => new TensorEntry(t.Name, TensorDType.F32, [t.Rows, t.Columns], "memory"))
            .ToArray();
    }

    public IReadOnlyList<TensorEntry> Tensors { get; }

    public void ReadFloat32(TensorEntry tensor, long firstElement, Span<float> destination) =>
        _data[tensor.Name].AsSpan((int)firstElement, destination.Length).CopyTo(destination);

    public void Dispose()
    {
    }
}
