namespace TensorGuard.Core.Classification;

/// <summary>
/// K-Means whose centroids start at the base models (the paper's <c>init</c> = bases, one
/// initialisation), so cluster <c>k</c> always means "the cluster seeded by base <c>k</c>".
/// </summary>
/// <remarks>
/// Collapse handling: when two centroids converge, or a cluster loses every member, the empty
/// cluster's centroid stays where it was instead of being moved to a far point (scikit-learn's
/// relocation would give a cluster a meaning unrelated to its base). Ties go to the earlier base in
/// policy order. The result is deterministic: Lloyd's iterations from fixed seeds, stopped when no
/// assignment changes or after <see cref="MaxIterations"/>.
/// </remarks>
public static class CentroidKMeans
{
    public const int MaxIterations = 300;

    /// <summary>The cluster (index of its seed) of every point.</summary>
    /// <param name="points">Points with NaN for missing coordinates.</param>
    /// <param name="seeds">Initial centroids, one per cluster.</param>
    /// <param name="distance">The metric; it must tolerate NaN coordinates.</param>
    public static int[] Cluster(IReadOnlyList<double[]> points, IReadOnlyList<double[]> seeds, Func<double[], double[], double> distance)
    {
        double[][] centroids = seeds.Select(seed => (double[])seed.Clone()).ToArray();
        var assignment = new int[points.Count];
        Array.Fill(assignment, -1);
        for (int iteration = 0; iteration < MaxIterations; iteration++)
        {
            bool changed = false;
            for (int p = 0; p < points.Count; p++)
            {
                int nearest = Nearest(points[p], centroids, distance);
                changed |= nearest != assignment[p];
                assignment[p] = nearest;
            }

            if (!changed)
            {
                break;
            }

            for (int c = 0; c < centroids.Length; c++)
            {
                Recenter(centroids[c], points.Where((_, p) => assignment[p] == c).ToArray());
            }
        }

        return assignment;
    }

    private static int Nearest(double[] point, double[][] centroids, Func<double[], double[], double> distance)
    {
        int best = 0;
        double bestDistance = double.PositiveInfinity;
        for (int c = 0; c < centroids.Length; c++)
        {
            double d = distance(point, centroids[c]);
            if (d < bestDistance)
            {
                (best, bestDistance) = (c, d);
            }
        }

        return best;
    }

    /// <summary>Moves a centroid to its members' mean, per coordinate over the members that have it.</summary>
    private static void Recenter(double[] centroid, double[][] members)
    {
        for (int i = 0; i < centroid.Length; i++)
        {
            double[] values = members.Select(m => m[i]).Where(v => !double.IsNaN(v)).ToArray();
            if (values.Length > 0)
            {
                centroid[i] = values.Average();
            }
        }
    }
}
