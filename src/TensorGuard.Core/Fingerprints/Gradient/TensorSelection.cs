using System.Text;
using TensorGuard.Core.Formats;

namespace TensorGuard.Core.Fingerprints.Gradient;

/// <summary>
/// Chooses the weights a gradient fingerprint analyses, deterministically. Candidates are the
/// floating-point weight matrices: 2-D tensors and convolution kernels (<see cref="WeightMatrix"/>). Each candidate has a <em>role</em>: its name with layer and expert indices blanked
/// (<c>model.layers.#.self_attn.q_proj.weight</c>, <c>onnx::MatMul_#</c>). Every role is analysed, with up to
/// <c>perRole</c> instances spread evenly over its natural (numeric) order — the first, the last and evenly
/// spaced ones between — so embeddings, every projection of attention and feed-forward blocks and every other
/// 2-D weight are covered over the whole depth, whatever the naming scheme or sharding.
/// </summary>
public static class TensorSelection
{
    /// <summary>The selected tensors in natural name order, and the matrices left out because of their dtype.</summary>
    public sealed record Result(IReadOnlyList<TensorEntry> Selected, IReadOnlyList<TensorEntry> NotFloatingPoint);

    /// <summary>Selects up to <paramref name="perRole"/> tensors per role from <paramref name="tensors"/>.</summary>
    public static Result Select(IReadOnlyList<TensorEntry> tensors, int perRole)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(perRole, 1);
        TensorEntry[] matrices = tensors.Where(t => WeightMatrix.Is(t) && WeightMatrix.Rows(t) >= 1 && WeightMatrix.Columns(t) >= 2).ToArray();
        TensorEntry[] selected = matrices.Where(t => IsFloatingPoint(t.DType))
            .GroupBy(t => Role(t.Name), StringComparer.Ordinal)
            .SelectMany(role => Spread(role.Order(NaturalOrder.Instance).ToArray(), perRole))
            .Order(NaturalOrder.Instance)
            .ToArray();
        return new Result(selected, matrices.Where(t => !IsFloatingPoint(t.DType)).ToArray());
    }

    /// <summary>A name with its indices blanked: digit runs that form a whole segment or end one after <c>_</c>.</summary>
    public static string Role(string name)
    {
        var role = new StringBuilder(name.Length);
        int i = 0;
        while (i < name.Length)
        {
            int end = i;
            while (end < name.Length && char.IsAsciiDigit(name[end]))
            {
                end++;
            }

            bool startsSegment = i == 0 || IsSeparator(name[i - 1]) || name[i - 1] == '_';
            bool endsSegment = end == name.Length || IsSeparator(name[end]);
            if (end > i && startsSegment && endsSegment)
            {
                role.Append('#');
                i = end;
            }
            else
            {
                role.Append(name[i]);
                i++;
            }
        }

        return role.ToString();
    }

    private static bool IsSeparator(char c) => c is '.' or '/' or ':';

    // Block-quantized GGUF weights count: their reader dequantizes them to float32.
    private static bool IsFloatingPoint(TensorDType dtype) =>
        (dtype is TensorDType.F32 or TensorDType.F16 or TensorDType.BF16 or TensorDType.F64
            or TensorDType.F8E4M3 or TensorDType.F8E5M2 or TensorDType.F8E4M3Fnuz or TensorDType.F8E5M2Fnuz
            || dtype.IsBlockQuantized())
        && dtype.IsConvertible();

    // Indices round(i·(n−1)/(k−1)) for i = 0..k−1: distinct when n ≥ k, always including both ends.
    private static IEnumerable<TensorEntry> Spread(TensorEntry[] instances, int count)
    {
        if (instances.Length <= count)
        {
            return instances;
        }

        if (count == 1)
        {
            return [instances[0]];
        }

        return Enumerable.Range(0, count)
            .Select(i => instances[(int)Math.Round(i * (instances.Length - 1) / (double)(count - 1), MidpointRounding.AwayFromZero)]);
    }

    /// <summary>Orders names by their text with digit runs compared as numbers (<c>layers.2</c> before <c>layers.10</c>).</summary>
    private sealed class NaturalOrder : IComparer<TensorEntry>
    {
        public static readonly NaturalOrder Instance = new();

        public int Compare(TensorEntry? x, TensorEntry? y)
        {
            string a = x!.Name;
            string b = y!.Name;
            int i = 0;
            int j = 0;
            while (i < a.Length && j < b.Length)
            {
                if (char.IsAsciiDigit(a[i]) && char.IsAsciiDigit(b[j]))
                {
                    int endA = DigitsEnd(a, i);
                    int endB = DigitsEnd(b, j);
                    ReadOnlySpan<char> numberA = a.AsSpan(i, endA - i).TrimStart('0');
                    ReadOnlySpan<char> numberB = b.AsSpan(j, endB - j).TrimStart('0');
                    int byValue = numberA.Length != numberB.Length ? numberA.Length.CompareTo(numberB.Length) : numberA.SequenceCompareTo(numberB);
                    if (byValue != 0)
                    {
                        return byValue;
                    }

                    i = endA;
                    j = endB;
                }
                else if (a[i] != b[j])
                {
                    return a[i].CompareTo(b[j]);
                }
                else
                {
                    i++;
                    j++;
                }
            }

            int byLength = (a.Length - i).CompareTo(b.Length - j);
            return byLength != 0 ? byLength : string.CompareOrdinal(a, b);
        }

        private static int DigitsEnd(string text, int start)
        {
            int end = start;
            while (end < text.Length && char.IsAsciiDigit(text[end]))
            {
                end++;
            }

            return end;
        }
    }
}
