namespace TensorGuard.ModelFactory;

public static partial class Derivations
{
    /// <summary>
    /// Adds <paramref name="added"/> tokens: new rows of the embedding (and untied LM head) drawn around the
    /// mean of the existing rows with their per-dimension spread, as Hugging Face's resize does by default.
    /// </summary>
    public static TestModel ExtendVocabulary(this TestModel model, int added, long seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(added, 1);
        int size = model.Architecture.VocabSize + added;
        return model.Derive($"vocabulary extended by {added} to {size} (seed {seed})",
            model.Weights.Select(t => t.Role.IsVocabulary ? ExtendRows(t, added, Stream(model, seed, "vocab", t)) : t),
            model.Architecture with { VocabSize = size });
    }

    /// <summary>Keeps the first <paramref name="size"/> rows of the embedding and LM head.</summary>
    public static TestModel TruncateVocabulary(this TestModel model, int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(size, model.Architecture.VocabSize);
        return model.Derive($"vocabulary truncated to {size}",
            model.Weights.Select(t => t.Role.IsVocabulary ? t.WithValues(t.Values[..(size * t.Columns)].ToArray(), [size, t.Columns]) : t),
            model.Architecture with { VocabSize = size });
    }

    /// <summary>Removes the given layers; the following layers are renumbered to close the gaps.</summary>
    public static TestModel DropLayers(this TestModel model, params int[] layers)
    {
        int count = model.Architecture.Layers;
        ValidateLayers(layers, count);
        if (layers.Distinct().Count() >= count)
        {
            throw new ArgumentException("Dropping every layer leaves no model.", nameof(layers));
        }

        int[] kept = Enumerable.Range(0, count).Except(layers).ToArray();
        return model.Derive($"dropped layers {string.Join(", ", layers.Order())}",
            Renumbered(model, kept), model.Architecture with { Layers = kept.Length });
    }

    /// <summary>Inserts a copy of each given layer right after it; the following layers are renumbered.</summary>
    public static TestModel DuplicateLayers(this TestModel model, params int[] layers)
    {
        int count = model.Architecture.Layers;
        ValidateLayers(layers, count);
        int[] order = Enumerable.Range(0, count).SelectMany(layer => layers.Contains(layer) ? new[] { layer, layer } : [layer]).ToArray();
        return model.Derive($"duplicated layers {string.Join(", ", layers.Order())}",
            Renumbered(model, order), model.Architecture with { Layers = order.Length });
    }

    // New layer i is a copy of old layer sources[i]; global tensors stay.
    private static IEnumerable<TestTensor> Renumbered(TestModel model, int[] sources)
    {
        IEnumerable<TestTensor> global = model.Weights.Where(t => t.Role.Layer == TensorRole.NoLayer);
        IEnumerable<TestTensor> layered = sources.SelectMany((source, index) => model.Weights
            .Where(t => t.Role.Layer == source)
            .Select(t => t.WithRole(t.Role with { Layer = index })));
        return global.Concat(layered);
    }

    private static void ValidateLayers(int[] layers, int count)
    {
        if (layers.Length == 0 || layers.Any(layer => layer < 0 || layer >= count))
        {
            throw new ArgumentOutOfRangeException(nameof(layers), $"Give layers between 0 and {count - 1}.");
        }
    }

    private static TestTensor ExtendRows(TestTensor tensor, int added, SeededRandom random)
    {
        int columns = tensor.Columns;
        var mean = new double[columns];
        var spread = new double[columns];
        ReadOnlySpan<float> values = tensor.Values;
        for (int i = 0; i < values.Length; i++)
        {
            mean[i % columns] += values[i] / (double)tensor.Rows;
        }

        for (int i = 0; i < values.Length; i++)
        {
            double d = values[i] - mean[i % columns];
            spread[i % columns] += d * d / tensor.Rows;
        }

        var result = new float[values.Length + (added * columns)];
        values.CopyTo(result);
        for (int i = values.Length; i < result.Length; i++)
        {
            int c = i % columns;
            result[i] = (float)(mean[c] + (Math.Sqrt(spread[c]) * random.NextGaussian()));
        }

        return tensor.WithValues(result, [tensor.Rows + added, columns]);
    }
}
