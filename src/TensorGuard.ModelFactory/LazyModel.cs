using TensorGuard.Core.Formats;

namespace TensorGuard.ModelFactory;

/// <summary>
/// The tensor shapes of a decoder-only checkpoint (Llama/Mistral/Qwen2 layout, Hugging Face names), given by its
/// config values. The named presets copy the published configs of real models, so that hard negatives have their
/// exact shapes; nothing in them is read by the code under test, which sees only tensors.
/// </summary>
public sealed record ModelShapes(string Name, int Hidden, int Intermediate, int Layers, int Vocab, int Heads, int KeyValueHeads, bool Tied, bool QkvBias)
{
    public static readonly ModelShapes Llama32_1B = new("Llama-3.2-1B", 2048, 8192, 16, 128256, 32, 8, Tied: true, QkvBias: false);
    public static readonly ModelShapes Llama31_8B = new("Llama-3.1-8B", 4096, 14336, 32, 128256, 32, 8, Tied: false, QkvBias: false);
    public static readonly ModelShapes Qwen25_3B = new("Qwen2.5-3B", 2048, 11008, 36, 151936, 16, 2, Tied: true, QkvBias: true);
    public static readonly ModelShapes Mistral7B = new("Mistral-7B-v0.1", 4096, 14336, 32, 32000, 32, 8, Tied: false, QkvBias: false);

    /// <summary>TinyLlama-1.1B (Apache-2.0, trained from scratch on Llama 2's architecture).</summary>
    public static readonly ModelShapes TinyLlama = new("TinyLlama-1.1B", 2048, 5632, 22, 32000, 32, 4, Tied: false, QkvBias: false);

    /// <summary>OpenLLaMA 3B (Apache-2.0, an independent reproduction of Llama's architecture).</summary>
    public static readonly ModelShapes OpenLlama3B = new("OpenLLaMA-3B", 3200, 8640, 26, 32000, 32, 32, Tied: false, QkvBias: false);

    /// <summary>Every tensor's name and shape, in checkpoint order.</summary>
    public IEnumerable<(string Name, long[] Shape)> Tensors()
    {
        int headDim = Hidden / Heads;
        int keyValue = KeyValueHeads * headDim;
        yield return ("model.embed_tokens.weight", [Vocab, Hidden]);
        if (!Tied)
        {
            yield return ("lm_head.weight", [Vocab, Hidden]);
        }

        yield return ("model.norm.weight", [Hidden]);
        for (int layer = 0; layer < Layers; layer++)
        {
            string prefix = $"model.layers.{layer}.";
            yield return (prefix + "input_layernorm.weight", [Hidden]);
            yield return (prefix + "post_attention_layernorm.weight", [Hidden]);
            yield return (prefix + "self_attn.q_proj.weight", [Heads * headDim, Hidden]);
            yield return (prefix + "self_attn.k_proj.weight", [keyValue, Hidden]);
            yield return (prefix + "self_attn.v_proj.weight", [keyValue, Hidden]);
            yield return (prefix + "self_attn.o_proj.weight", [Hidden, Heads * headDim]);
            if (QkvBias)
            {
                yield return (prefix + "self_attn.q_proj.bias", [Heads * headDim]);
                yield return (prefix + "self_attn.k_proj.bias", [keyValue]);
                yield return (prefix + "self_attn.v_proj.bias", [keyValue]);
            }

            yield return (prefix + "mlp.gate_proj.weight", [Intermediate, Hidden]);
            yield return (prefix + "mlp.up_proj.weight", [Intermediate, Hidden]);
            yield return (prefix + "mlp.down_proj.weight", [Hidden, Intermediate]);
        }
    }
}

/// <summary>
/// A model whose weights are computed on demand from a seed, never stored: real-size shapes (8B and more) cost no
/// memory or disk, and a reader pays only for the elements it reads (the lineage sketch samples views). Element
/// values are a seeded hash of (tensor, index) mapped to a roughly Gaussian value of scale 1/√fan-in, with a
/// log-normal scale per row (trained matrices have uneven row norms) and norm weights near 1. A fine-tune adds
/// independent noise of a given relative size to its base's values, so it derives from the base and from nothing else.
/// </summary>
/// <remarks>
/// Written here rather than with <see cref="WeightGenerator"/>, whose trained-like low-rank matrices need the whole
/// matrix in memory: laziness is the point of this type.
/// </remarks>
public sealed class LazyModel : ITensorSource
{
    private const ulong FnvOffset = 0xCBF29CE484222325UL;
    private readonly Dictionary<string, ulong> _keys;
    private readonly LazyModel? _base;
    private readonly float _noise;

    /// <summary>An independently initialised model of <paramref name="shapes"/> (a different <paramref name="seed"/> is another model).</summary>
    public LazyModel(ModelShapes shapes, ulong seed)
        : this(shapes, seed, null, 0)
    {
    }

    private LazyModel(ModelShapes shapes, ulong seed, LazyModel? baseModel, float noise)
    {
        ArgumentNullException.ThrowIfNull(shapes);
        Shapes = shapes;
        _base = baseModel;
        _noise = noise;
        (string Name, long[] Shape)[] tensors = shapes.Tensors().ToArray();
        _keys = tensors.ToDictionary(t => t.Name, t => Mix(NameHash(t.Name) ^ Mix(seed)));
        Tensors = tensors
            .Select(t => new TensorEntry(t.Name, TensorDType.BF16, t.Shape, "lazy"))
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .ToArray();
    }

    public ModelShapes Shapes { get; }

    public IReadOnlyList<TensorEntry> Tensors { get; }

    /// <summary>A fine-tune of this model: every value moved by independent noise of <paramref name="relativeChange"/> of the value scale.</summary>
    public LazyModel FineTune(double relativeChange, ulong seed) => new(Shapes, seed, this, (float)relativeChange);

    public void ReadFloat32(TensorEntry tensor, long firstElement, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (_base is not null)
        {
            _base.ReadFloat32(tensor, firstElement, destination);
            Span<float> noise = destination.Length <= 4096 ? stackalloc float[destination.Length] : new float[destination.Length];
            Values(tensor, firstElement, noise);
            for (int i = 0; i < destination.Length; i++)
            {
                destination[i] += _noise * noise[i];
            }

            return;
        }

        Values(tensor, firstElement, destination);
    }

    public void Dispose()
    {
    }

    private void Values(TensorEntry tensor, long firstElement, Span<float> destination)
    {
        ulong key = _keys[tensor.Name];
        if (tensor.Shape.Count == 1 && tensor.Name.EndsWith("norm.weight", StringComparison.Ordinal))
        {
            for (int i = 0; i < destination.Length; i++)
            {
                destination[i] = 1f + (0.1f * Gaussian(Mix(key + (ulong)(firstElement + i))));
            }

            return;
        }

        // Row by row, so the row's scale is computed once and no element pays a division (the gate's full-tensor
        // passes over 8B shapes read billions of values).
        long rowLength = tensor.RowLength;
        float scale = 1f / MathF.Sqrt(rowLength);
        int position = 0;
        while (position < destination.Length)
        {
            long row = (firstElement + position) / rowLength;
            int end = (int)Math.Min(destination.Length, ((row + 1) * rowLength) - firstElement);
            float rowScale = scale * MathF.Exp(0.25f * Gaussian(Mix(~key + (ulong)row)));
            for (; position < end; position++)
            {
                destination[position] = rowScale * Gaussian(Mix(key + (ulong)(firstElement + position)));
            }
        }
    }

    /// <summary>The sum of four uniform bytes of a hash, centred and scaled to unit variance: roughly Gaussian, and cheap.</summary>
    private static float Gaussian(ulong hash)
    {
        int sum = (int)(hash & 0xFF) + (int)((hash >> 8) & 0xFF) + (int)((hash >> 16) & 0xFF) + (int)((hash >> 24) & 0xFF) - 510;
        return sum / 147.8f;
    }

    // string.GetHashCode differs between processes; lazily computed weights must not.
    private static ulong NameHash(string name) => name.Aggregate(FnvOffset, (hash, c) => (hash ^ c) * 0x100000001B3UL);

    /// <summary>The MurmurHash3 finaliser: every input bit affects every output bit.</summary>
    private static ulong Mix(ulong x)
    {
        x ^= x >> 33;
        x *= 0xFF51AFD7ED558CCDUL;
        x ^= x >> 33;
        x *= 0xC4CEB9FE1A85EC53UL;
        return x ^ (x >> 33);
    }
}
