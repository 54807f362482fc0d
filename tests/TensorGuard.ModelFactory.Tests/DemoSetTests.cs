using TensorGuard.Core.Formats;
using TensorGuard.ModelFactory.Demo;

namespace TensorGuard.ModelFactory.Tests;

public sealed class DemoSetTests
{
    [Fact]
    public void Write_ArtifactsReallyDeriveFromTheirTrueBases()
    {
        using var directory = new TemporaryDirectory();
        DemoSet demo = DemoSet.Write(directory.Path);

        Assert.Equal(3, demo.Bases.Count);
        Assert.Single(demo.Artifacts, a => a.Compliant);
        foreach (DemoArtifact artifact in demo.Artifacts)
        {
            using LoadedModel derived = ModelLoader.Open(artifact.Path);
            using LoadedModel truth = ModelLoader.Open(artifact.TrueBase.Path);
            TensorEntry tensor = truth.Tensors.Single(t => t.Name == "model.layers.1.self_attn.q_proj.weight");
            double change = RelativeChange(truth, derived, tensor);
            Assert.InRange(change, 0.01, 0.06);
        }
    }

    private static double RelativeChange(ITensorSource before, ITensorSource after, TensorEntry tensor)
    {
        var a = new float[tensor.ElementCount];
        var b = new float[tensor.ElementCount];
        before.ReadFloat32(tensor, 0, a);
        after.ReadFloat32(after.Tensors.Single(t => t.Name == tensor.Name), 0, b);
        double difference = a.Zip(b, (x, y) => (double)(x - y) * (x - y)).Sum();
        return Math.Sqrt(difference / a.Sum(x => (double)x * x));
    }
}
