using TensorGuard.Core.Fingerprints;
using TensorGuard.Core.Fingerprints.Gradient;
using TensorGuard.Core.Formats;
using static TorchSharp.torch;

namespace TensorGuard.Core.Tests.Fingerprints;

// The production fast path (kernel + factorised moments) against the real gradient from TorchSharp autograd.
public sealed class RankOneStatisticsTests
{
    public static TheoryData<string, int, int> Cases()
    {
        var data = new TheoryData<string, int, int>();
        foreach (string kind in ProbeGenerator.Kinds)
        {
            data.Add(kind, 24, 40);
            data.Add(kind, 7, 1037);
            data.Add(kind, 1, 16);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void FastPath_EqualsAutogradGradientStatistics(string kind, int rows, int width)
    {
        float[] weights = TestWeights.Random(rows * width, seed: rows + width, mean: 0.01f);
        var parameters = GradientParameters.Default with { ProbeKinds = [kind], ProbesPerKind = 2 };
        float[][] probes = ProbeGenerator.Generate(width, parameters);
        using var source = new MemoryTensorSource(("w", rows, width, weights));
        double[][] products = ProjectionKernel.Project(source, source.Tensors[0], probes, maxParallelism: 2);

        for (int p = 0; p < probes.Length; p++)
        {
            GradientStatistics fast = RankOneStatistics.Of(products[p], RankOneStatistics.PowerSums.Of(probes[p]), width)!;
            GradientStatistics real = AutogradStatistics(weights, rows, width, probes[p]);
            for (int s = 0; s < GradientStatistics.Names.Count; s++)
            {
                double expected = real.Values[s];
                double actual = fast.Values[s];
                Assert.True(Math.Abs(actual - expected) <= 1e-5 * Math.Abs(expected),
                    $"{kind} probe {p}, {GradientStatistics.Names[s]}: fast {actual:R}, autograd {expected:R}");
            }
        }
    }

    [Fact]
    public void Of_ZeroProduct_IsNullBecauseTheGradientVanishes()
    {
        Assert.Null(RankOneStatistics.Of(new double[5], RankOneStatistics.PowerSums.Of([1f, 2f]), 2));
    }

    // L = ‖x·Wᵀ‖₂ back-propagated to W in float64, then the statistics computed on the full gradient.
    private static GradientStatistics AutogradStatistics(float[] weights, int rows, int width, float[] probe)
    {
        using var scope = NewDisposeScope();
        Tensor w = tensor(weights.Select(v => (double)v).ToArray(), [rows, width], ScalarType.Float64).requires_grad_(true);
        Tensor x = tensor(probe.Select(v => (double)v).ToArray(), ScalarType.Float64);
        Tensor y = matmul(x.unsqueeze(0), w.t());
        y.norm().backward();
        Tensor g = w.grad!.flatten();
        double mean = g.mean().item<double>();
        Tensor centred = g - mean;
        double m2 = centred.pow(2).mean().item<double>();
        double m3 = centred.pow(3).mean().item<double>();
        double m4 = centred.pow(4).mean().item<double>();
        return new GradientStatistics(
            mean,
            g.std().item<double>(),
            g.norm().item<double>(),
            m3 / Math.Pow(m2, 1.5),
            (m4 / (m2 * m2)) - 3);
    }
}
