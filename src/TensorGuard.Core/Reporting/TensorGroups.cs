using System.Globalization;
using TensorGuard.Core.Formats;

namespace TensorGuard.Core.Reporting;

/// <summary>
/// Folds tensors that differ only in their numbered name segments (layers, experts) and share dtype and
/// shape into one line, e.g. <c>model.layers.[0-15].mlp.down_proj.weight ×16</c>, so a model with
/// thousands of tensors prints as a screenful. Works on any naming; a tensor that nothing else matches
/// keeps its own line.
/// </summary>
public static class TensorGroups
{
    private const string Placeholder = "\0";

    /// <summary>One printed line: a name (with ranges where segments vary), dtype, shape and member count.</summary>
    public sealed record Group(string Name, string DType, IReadOnlyList<long> Shape, int Count);

    public static IReadOnlyList<Group> Of(IReadOnlyList<ModelInspection.TensorSummary> tensors)
    {
        var groups = new Dictionary<string, Builder>(StringComparer.Ordinal);
        var order = new List<Builder>();
        foreach (ModelInspection.TensorSummary tensor in tensors)
        {
            string[] segments = tensor.Name.Split('.');
            var numbers = new List<long>();
            for (int i = 0; i < segments.Length; i++)
            {
                if (segments[i].Length is > 0 and <= 9 && segments[i].All(char.IsAsciiDigit))
                {
                    numbers.Add(long.Parse(segments[i], CultureInfo.InvariantCulture));
                    segments[i] = Placeholder;
                }
            }

            string key = string.Join('.', segments) + "\u0001" + tensor.Dtype + "\u0001" + string.Join(',', tensor.Shape);
            if (!groups.TryGetValue(key, out Builder? builder))
            {
                builder = new Builder(segments, tensor.Dtype, tensor.Shape, numbers.Count);
                groups.Add(key, builder);
                order.Add(builder);
            }

            builder.Add(numbers);
        }

        return order.Select(b => b.Build()).ToArray();
    }

    /// <summary>Sorted numbers as ranges: <c>0-3,5,7-15</c>.</summary>
    public static string Ranges(IEnumerable<long> numbers)
    {
        var parts = new List<string>();
        long[] sorted = numbers.Distinct().Order().ToArray();
        for (int i = 0; i < sorted.Length;)
        {
            int end = i;
            while (end + 1 < sorted.Length && sorted[end + 1] == sorted[end] + 1)
            {
                end++;
            }

            parts.Add(end == i ? Invariant(sorted[i]) : $"{Invariant(sorted[i])}-{Invariant(sorted[end])}");
            i = end + 1;
        }

        return string.Join(',', parts);
    }

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);

    private sealed class Builder(string[] template, string dtype, IReadOnlyList<long> shape, int positions)
    {
        private readonly List<HashSet<long>> _values = Enumerable.Range(0, positions).Select(_ => new HashSet<long>()).ToList();
        private int _count;

        public void Add(List<long> numbers)
        {
            for (int i = 0; i < numbers.Count; i++)
            {
                _values[i].Add(numbers[i]);
            }

            _count++;
        }

        public Group Build()
        {
            var segments = (string[])template.Clone();
            int position = 0;
            for (int i = 0; i < segments.Length; i++)
            {
                if (segments[i] == Placeholder)
                {
                    HashSet<long> values = _values[position++];
                    segments[i] = values.Count == 1 ? Invariant(values.First()) : $"[{Ranges(values)}]";
                }
            }

            return new Group(string.Join('.', segments), dtype, shape, _count);
        }
    }
}
