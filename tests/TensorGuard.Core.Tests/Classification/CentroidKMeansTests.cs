using TensorGuard.Core.Classification;

namespace TensorGuard.Core.Tests.Classification;

public sealed class CentroidKMeansTests
{
    private static double Euclidean(double[] a, double[] b) => Math.Sqrt(a.Zip(b, (x, y) => (x - y) * (x - y)).Sum());

    [Fact]
    public void Cluster_SeparatedGroups_EachJoinsTheNearestSeed()
    {
        double[][] points = [[0, 0], [0.2, 0.1], [10, 10], [9.8, 10.3]];

        int[] clusters = CentroidKMeans.Cluster(points, [[1, 1], [9, 9]], Euclidean);

        Assert.Equal([0, 0, 1, 1], clusters);
    }

    [Fact]
    public void Cluster_CollapsedSeeds_KeepTheEarlierClusterAndLeaveTheOtherEmpty()
    {
        double[][] points = [[0, 0], [1, 0], [20, 0]];

        int[] clusters = CentroidKMeans.Cluster(points, [[0.5, 0], [0.5, 0], [20, 0]], Euclidean);

        Assert.Equal([0, 0, 2], clusters);
    }

    [Fact]
    public void Cluster_CentroidDrift_ReassignsPoints()
    {
        // The second seed starts nearer to the middle point, but its cluster mean moves away.
        double[][] points = [[0, 0], [4, 0], [9, 0], [10, 0], [11, 0]];

        int[] clusters = CentroidKMeans.Cluster(points, [[0, 0], [5, 0]], Euclidean);

        Assert.Equal([0, 0, 1, 1, 1], clusters);
    }

    [Fact]
    public void Cluster_MissingCoordinates_AreIgnoredInTheMeans()
    {
        double[][] points = [[0, double.NaN], [0.5, 1], [10, 10]];
        static double Partial(double[] a, double[] b) => Math.Sqrt(a.Zip(b, (x, y) => double.IsNaN(x) || double.IsNaN(y) ? 0 : (x - y) * (x - y)).Sum());

        int[] clusters = CentroidKMeans.Cluster(points, [[0, 0], [10, 10]], Partial);

        Assert.Equal([0, 0, 1], clusters);
    }
}
