namespace TensorGuard.Core.Fingerprints.Gradient;

/// <summary>
/// Exact statistics of the gradient of L = ‖W·x‖₂ with respect to W, without forming it. The gradient is
/// G = u·xᵀ with u = y/‖y‖ and y = W·x, so every power sum factorises: Σᵢⱼ (uᵢxⱼ)ᵏ = (Σuᵢᵏ)(Σxⱼᵏ). The mean,
/// central moments and hence standard deviation, skewness and kurtosis follow from four power sums of
/// each vector, all in float64.
/// </summary>
public static class RankOneStatistics
{
    /// <summary>Power sums Σv, Σv², Σv³, Σv⁴ of a vector.</summary>
    public readonly record struct PowerSums(double S1, double S2, double S3, double S4)
    {
        /// <summary>The power sums of <paramref name="values"/>.</summary>
        public static PowerSums Of(ReadOnlySpan<float> values)
        {
            double s1 = 0, s2 = 0, s3 = 0, s4 = 0;
            foreach (float value in values)
            {
                double v = value;
                double v2 = v * v;
                s1 += v;
                s2 += v2;
                s3 += v2 * v;
                s4 += v2 * v2;
            }

            return new PowerSums(s1, s2, s3, s4);
        }
    }

    /// <summary>
    /// Statistics of G = (y/‖y‖)·xᵀ, where <paramref name="y"/> = W·x has one entry per row of W and
    /// x (with power sums <paramref name="probe"/>) has <paramref name="width"/> entries.
    /// Null when y = 0: the gradient is then zero and has no skewness or kurtosis.
    /// </summary>
    public static GradientStatistics? Of(ReadOnlySpan<double> y, PowerSums probe, int width)
    {
        double norm = 0;
        foreach (double value in y)
        {
            norm += value * value;
        }

        norm = Math.Sqrt(norm);
        if (norm == 0)
        {
            return null;
        }

        double u1 = 0, u2 = 0, u3 = 0, u4 = 0;
        foreach (double value in y)
        {
            double u = value / norm;
            double uu = u * u;
            u1 += u;
            u2 += uu;
            u3 += uu * u;
            u4 += uu * uu;
        }

        double n = (double)y.Length * width;
        double mean = u1 * probe.S1 / n;
        double m2 = u2 * probe.S2 / n;
        double m3 = u3 * probe.S3 / n;
        double m4 = u4 * probe.S4 / n;
        double mean2 = mean * mean;
        double central2 = m2 - mean2;
        double central3 = m3 - (3 * mean * m2) + (2 * mean2 * mean);
        double central4 = m4 - (4 * mean * m3) + (6 * mean2 * m2) - (3 * mean2 * mean2);
        double std = Math.Sqrt(Math.Max(0, central2) * n / (n - 1));
        bool flat = central2 <= 0;
        return new GradientStatistics(
            mean,
            std,
            Math.Sqrt(u2 * probe.S2),
            flat ? 0 : central3 / Math.Pow(central2, 1.5),
            flat ? 0 : (central4 / (central2 * central2)) - 3);
    }
}
