namespace TensorGuard.Core.Classification;

/// <summary>
/// The 2-D principal-component projection of a classification run, for plots: bases and queries in the
/// run's weighted feature space, projected on the two directions of largest variance. Plotted distances
/// approximate classifier distances between nearby points; between far-apart ones the classifier caps each
/// feature's term (<see cref="ClassifierTuning.ContributionCap"/>), which no linear projection can show.
/// </summary>
public sealed record PrincipalPlane(
    IReadOnlyList<(double X, double Y)> Bases,
    IReadOnlyList<(double X, double Y)> Queries,
    double ExplainedFirst,
    double ExplainedSecond)
{
    private const int MaxSweeps = 100;

    public static PrincipalPlane Of(ClassificationRun run)
    {
        double[] scale = run.Space.Weights.Select(Math.Sqrt).ToArray();

        // A missing feature sits at the centre (0 after standardisation) for display only.
        double[] Weighted(double[] point) => point.Select((v, i) => double.IsNaN(v) ? 0 : v * scale[i]).ToArray();
        double[][] bases = run.BasePoints.Select(Weighted).ToArray();
        double[][] queries = run.QueryPoints.Select(Weighted).ToArray();
        double[][] all = [.. bases, .. queries];

        int k = scale.Length;
        double[] mean = Enumerable.Range(0, k).Select(i => all.Average(p => p[i])).ToArray();
        var covariance = new double[k, k];
        foreach (double[] p in all)
        {
            for (int i = 0; i < k; i++)
            {
                for (int j = 0; j < k; j++)
                {
                    covariance[i, j] += (p[i] - mean[i]) * (p[j] - mean[j]) / all.Length;
                }
            }
        }

        (double[] values, double[,] vectors) = JacobiEigen(covariance);
        int[] order = Enumerable.Range(0, k).OrderByDescending(i => values[i]).ThenBy(i => i).ToArray();
        double[] first = Column(vectors, order[0]);
        double[] second = k > 1 ? Column(vectors, order[1]) : new double[k];
        double total = values.Sum();

        (double X, double Y) Project(double[] p)
        {
            double x = 0, y = 0;
            for (int i = 0; i < k; i++)
            {
                x += (p[i] - mean[i]) * first[i];
                y += (p[i] - mean[i]) * second[i];
            }

            return (x, y);
        }

        return new PrincipalPlane(
            bases.Select(Project).ToArray(),
            queries.Select(Project).ToArray(),
            total > 0 ? values[order[0]] / total : 0,
            total > 0 && k > 1 ? values[order[1]] / total : 0);
    }

    /// <summary>Eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations (deterministic).</summary>
    private static (double[] Values, double[,] Vectors) JacobiEigen(double[,] matrix)
    {
        int n = matrix.GetLength(0);
        var a = (double[,])matrix.Clone();
        var v = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            v[i, i] = 1;
        }

        for (int sweep = 0; sweep < MaxSweeps; sweep++)
        {
            double off = 0;
            for (int p = 0; p < n; p++)
            {
                for (int q = p + 1; q < n; q++)
                {
                    off += a[p, q] * a[p, q];
                }
            }

            if (off < 1e-22)
            {
                break;
            }

            for (int p = 0; p < n; p++)
            {
                for (int q = p + 1; q < n; q++)
                {
                    if (Math.Abs(a[p, q]) < 1e-300)
                    {
                        continue;
                    }

                    double theta = (a[q, q] - a[p, p]) / (2 * a[p, q]);
                    double t = Math.Sign(theta == 0 ? 1 : theta) / (Math.Abs(theta) + Math.Sqrt((theta * theta) + 1));
                    double c = 1 / Math.Sqrt((t * t) + 1);
                    double s = t * c;
                    Rotate(a, v, n, p, q, c, s);
                }
            }
        }

        return (Enumerable.Range(0, n).Select(i => a[i, i]).ToArray(), v);
    }

    private static void Rotate(double[,] a, double[,] v, int n, int p, int q, double c, double s)
    {
        for (int k = 0; k < n; k++)
        {
            double akp = a[k, p], akq = a[k, q];
            a[k, p] = (c * akp) - (s * akq);
            a[k, q] = (s * akp) + (c * akq);
        }

        for (int k = 0; k < n; k++)
        {
            double apk = a[p, k], aqk = a[q, k];
            a[p, k] = (c * apk) - (s * aqk);
            a[q, k] = (s * apk) + (c * aqk);
        }

        for (int k = 0; k < n; k++)
        {
            double vkp = v[k, p], vkq = v[k, q];
            v[k, p] = (c * vkp) - (s * vkq);
            v[k, q] = (s * vkp) + (c * vkq);
        }
    }

    /// <summary>An eigenvector, signed so its largest component is positive (a stable orientation).</summary>
    private static double[] Column(double[,] vectors, int column)
    {
        double[] vector = Enumerable.Range(0, vectors.GetLength(0)).Select(i => vectors[i, column]).ToArray();
        double largest = vector.MaxBy(Math.Abs);
        return largest < 0 ? vector.Select(x => -x).ToArray() : vector;
    }
}
