using TensorGuard.Core.Formats;

namespace TensorGuard.Core.Fingerprints.Lineage;

/// <summary>Finds a model's hidden size and the weight views that read or write its residual stream.</summary>
public static class WeightViews
{
    /// <summary>
    /// The residual width: the dimension shared by the most weight matrices (every projection into or out of the
    /// residual stream has it; in a convolutional net, the most common channel count). Ties go to the larger
    /// dimension. Zero when the model has no float weight matrix (<see cref="WeightMatrix"/>).
    /// </summary>
    public static long HiddenSize(IEnumerable<TensorEntry> tensors)
    {
        var counts = new SortedDictionary<long, int>();
        foreach (TensorEntry tensor in tensors.Where(IsMatrix))
        {
            foreach (long dim in new[] { WeightMatrix.Rows(tensor), WeightMatrix.Columns(tensor) }.Distinct())
            {
                counts[dim] = counts.GetValueOrDefault(dim) + 1;
            }
        }

        return counts.Count == 0 ? 0 : counts.MaxBy(pair => (pair.Value, pair.Key)).Key;
    }

    /// <summary>
    /// Every view whose feature axis has <paramref name="hiddenSize"/> and that has at least
    /// <paramref name="minimumUnits"/> units. A square hidden × hidden tensor gives two views, because whether
    /// its rows or its columns are the units (q_proj or o_proj, stored plainly or transposed) cannot be told
    /// from the shape. Ordered by tensor name, then orientation.
    /// </summary>
    public static IReadOnlyList<WeightView> Enumerate(IEnumerable<TensorEntry> tensors, long hiddenSize, long minimumUnits)
    {
        var views = new List<WeightView>();
        foreach (TensorEntry tensor in tensors.Where(IsMatrix).OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            if (WeightMatrix.Columns(tensor) == hiddenSize && WeightMatrix.Rows(tensor) >= minimumUnits)
            {
                views.Add(new WeightView(tensor, FeaturesAlongRows: false));
            }

            if (WeightMatrix.Rows(tensor) == hiddenSize && WeightMatrix.Columns(tensor) >= minimumUnits)
            {
                views.Add(new WeightView(tensor, FeaturesAlongRows: true));
            }
        }

        return views;
    }

    /// <summary>At most <paramref name="count"/> items, evenly spread over <paramref name="items"/> (first and last included).</summary>
    public static IReadOnlyList<T> EvenlySpread<T>(IReadOnlyList<T> items, int count)
    {
        if (items.Count <= count)
        {
            return items;
        }

        if (count == 1)
        {
            return [items[0]];
        }

        var picked = new T[count];
        for (int i = 0; i < count; i++)
        {
            picked[i] = items[(int)((long)i * (items.Count - 1) / (count - 1))];
        }

        return picked;
    }

    private static bool IsMatrix(TensorEntry tensor) =>
        WeightMatrix.Is(tensor) && tensor.DType.IsConvertible() && WeightMatrix.Rows(tensor) > 1 && WeightMatrix.Columns(tensor) > 1;
}
