using TensorGuard.Core.Classification;

namespace TensorGuard.Core.Tests.Classification;

public sealed class PrincipalPlaneTests
{
    [Fact]
    public void Of_PublishedSet_ProjectsEveryPointAndExplainsMostVariance()
    {
        ClassificationRun run = new FamilyClassifier(ReferenceSet.Bases).Classify(ReferenceSet.Derivatives);

        PrincipalPlane plane = PrincipalPlane.Of(run);

        Assert.Equal(8, plane.Bases.Count);
        Assert.Equal(25, plane.Queries.Count);
        Assert.True(plane.ExplainedFirst >= plane.ExplainedSecond);
        Assert.InRange(plane.ExplainedFirst + plane.ExplainedSecond, 0.5, 1.0);
    }

    [Fact]
    public void Of_PublishedSet_PreservesDistancesBetweenFarApartFamilies()
    {
        ClassificationRun run = new FamilyClassifier(ReferenceSet.Bases).Classify([]);
        PrincipalPlane plane = PrincipalPlane.Of(run);
        int gemma = run.Bases.ToList().FindIndex(b => b.Family == "gemma");
        int phi = run.Bases.ToList().FindIndex(b => b.Family == "phi");

        double planar = Math.Sqrt(Math.Pow(plane.Bases[gemma].X - plane.Bases[phi].X, 2) + Math.Pow(plane.Bases[gemma].Y - plane.Bases[phi].Y, 2));

        // A projection never lengthens a distance, and the two leading components keep most of this one. The plane
        // shows the weighted space before the classifier caps each feature's term, so that is the distance it keeps.
        double full = Math.Sqrt(run.Space.Weights.Select((w, i) => w * Math.Pow(run.BasePoints[gemma][i] - run.BasePoints[phi][i], 2)).Sum());
        Assert.InRange(planar, 0.7 * full, full + 1e-9);
    }

    [Fact]
    public void Of_SameRun_IsDeterministic()
    {
        ClassificationRun run = new FamilyClassifier(ReferenceSet.Bases).Classify(ReferenceSet.Derivatives);

        Assert.Equal(PrincipalPlane.Of(run).Queries, PrincipalPlane.Of(run).Queries);
    }
}
