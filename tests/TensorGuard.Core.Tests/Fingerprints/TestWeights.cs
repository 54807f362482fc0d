using TensorGuard.Core.Formats;
using TensorGuard.Core.Formats.Safetensors;

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

/// <summary>Small hand-built safetensors tensors and models for fingerprint tests (Core and CLI).</summary>
internal static class TinyModels
{
    // Two layers of a Llama-shaped model: hidden 16, 4 KV dims, intermediate 40, vocabulary 32.
    public static List<SafetensorsWriter.Tensor> Llama()
    {
        var tensors = new List<SafetensorsWriter.Tensor> { F32("model.embed_tokens.weight", 32, 16, 1), new("model.norm.weight", TensorDType.F32, [16], new byte[64]) };
        for (int layer = 0; layer < 2; layer++)
        {
            int seed = 100 * (layer + 1);
            tensors.Add(F32($"model.layers.{layer}.self_attn.q_proj.weight", 16, 16, seed + 1));
            tensors.Add(F32($"model.layers.{layer}.self_attn.k_proj.weight", 4, 16, seed + 2));
            tensors.Add(F32($"model.layers.{layer}.self_attn.v_proj.weight", 4, 16, seed + 3));
            tensors.Add(F32($"model.layers.{layer}.self_attn.o_proj.weight", 16, 16, seed + 4));
            tensors.Add(F32($"model.layers.{layer}.mlp.gate_proj.weight", 40, 16, seed + 5));
            tensors.Add(F32($"model.layers.{layer}.mlp.up_proj.weight", 40, 16, seed + 6));
            tensors.Add(F32($"model.layers.{layer}.mlp.down_proj.weight", 16, 40, seed + 7));
        }

        return tensors;
    }

    public static SafetensorsWriter.Tensor F32(string name, int rows, int columns, int seed, (int Row, int Column, float Value)? poison = null)
    {
        float[] values = TestWeights.Random(rows * columns, seed);
        if (poison is { } p)
        {
            values[(p.Row * columns) + p.Column] = p.Value;
        }

        byte[] data = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, data, 0, data.Length);
        return new SafetensorsWriter.Tensor(name, TensorDType.F32, [rows, columns], data);
    }
}
