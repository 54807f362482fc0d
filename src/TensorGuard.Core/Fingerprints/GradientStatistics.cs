namespace TensorGuard.Core.Fingerprints;

/// <summary>
/// The five statistics the paper records for a gradient matrix: mean, standard deviation (unbiased, as
/// <c>torch.std</c>), Frobenius norm, skewness and excess kurtosis (population moments, as
/// <c>scipy.stats</c>).
/// </summary>
public sealed record GradientStatistics(double Mean, double Std, double Norm, double Skewness, double Kurtosis)
{
    /// <summary>Statistic names in canonical order; also the suffixes of feature names.</summary>
    public static IReadOnlyList<string> Names { get; } = ["mean", "std", "norm", "skewness", "kurtosis"];

    /// <summary>The values in the order of <see cref="Names"/>.</summary>
    public IReadOnlyList<double> Values => [Mean, Std, Norm, Skewness, Kurtosis];

    /// <summary>Builds statistics from values in the order of <see cref="Names"/>.</summary>
    public static GradientStatistics FromValues(IReadOnlyList<double> values)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(values.Count, Names.Count);
        return new GradientStatistics(values[0], values[1], values[2], values[3], values[4]);
    }

    /// <summary>Element-wise mean of several statistics (the paper averages over probes, then over tensors).</summary>
    public static GradientStatistics Average(IReadOnlyCollection<GradientStatistics> statistics)
    {
        if (statistics.Count == 0)
        {
            throw new ArgumentException("Cannot average no statistics.", nameof(statistics));
        }

        var sums = new double[Names.Count];
        foreach (GradientStatistics item in statistics)
        {
            IReadOnlyList<double> values = item.Values;
            for (int i = 0; i < sums.Length; i++)
            {
                sums[i] += values[i];
            }
        }

        return FromValues(sums.Select(sum => sum / statistics.Count).ToArray());
    }
}
