namespace TensorGuard.Core.Fingerprints.Lineage;

/// <summary>P-value arithmetic in natural-log space, so that overwhelming evidence does not underflow to zero.</summary>
public static class Significance
{
    private const double Sqrt2 = 1.4142135623730951;

    /// <summary>ln P(Z ≥ z) for a standard normal Z.</summary>
    public static double LogUpperTail(double z)
    {
        double x = z / Sqrt2;
        return z >= 0 ? Math.Log(0.5) + LogErfc(x) : Math.Log(1 - (0.5 * Math.Exp(LogErfc(-x))));
    }

    /// <summary>
    /// ln of the Hommel combination of <paramref name="logPValues"/>: H_K · min_j (K / j) · p_(j), with
    /// H_K = 1 + 1/2 + … + 1/K. A valid p-value for "every null holds" under any dependence between the tests
    /// (weight views of one model are not independent), and it needs several small p-values, not one.
    /// </summary>
    public static double LogHommel(IReadOnlyCollection<double> logPValues)
    {
        ArgumentNullException.ThrowIfNull(logPValues);
        int count = logPValues.Count;
        if (count == 0)
        {
            return 0;
        }

        double harmonic = 0;
        for (int i = 1; i <= count; i++)
        {
            harmonic += 1.0 / i;
        }

        double best = double.PositiveInfinity;
        int rank = 0;
        foreach (double logP in logPValues.Order())
        {
            rank++;
            best = Math.Min(best, Math.Log((double)count / rank) + logP);
        }

        return Math.Min(0, Math.Log(harmonic) + best);
    }

    /// <summary>
    /// ln erfc(x) for x ≥ 0 (Numerical Recipes' Chebyshev fit, relative error below 1.2e-7), written so that it
    /// stays finite for arguments where erfc itself underflows.
    /// </summary>
    private static double LogErfc(double x)
    {
        double t = 1.0 / (1.0 + (0.5 * x));
        double polynomial = -1.26551223 + (t * (1.00002368 + (t * (0.37409196 + (t * (0.09678418
            + (t * (-0.18628806 + (t * (0.27886807 + (t * (-1.13520398 + (t * (1.48851587
            + (t * (-0.82215223 + (t * 0.17087277)))))))))))))))));
        return Math.Log(t) - (x * x) + polynomial;
    }
}
