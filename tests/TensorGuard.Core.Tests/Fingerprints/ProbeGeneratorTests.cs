using TensorGuard.Core.Fingerprints;
using TensorGuard.Core.Fingerprints.Gradient;
using static TorchSharp.torch;

namespace TensorGuard.Core.Tests.Fingerprints;

public sealed class ProbeGeneratorTests
{
    [Fact]
    public void Generate_SameWidth_GivesTheSameProbesEveryTime()
    {
        float[][] first = ProbeGenerator.Generate(64, GradientParameters.Default);
        float[][] second = ProbeGenerator.Generate(64, GradientParameters.Default);

        Assert.Equal(15, first.Length);
        Assert.Equal(first, second);
        Assert.Equal(first.Length, first.Distinct(new SequenceComparer()).Count());
    }

    [Fact]
    public void Generate_OneOrTwoLibTorchThreads_GivesIdenticalProbes()
    {
        int threads = get_num_threads();
        try
        {
            set_num_threads(1);
            float[][] one = ProbeGenerator.Generate(4099, GradientParameters.Default);
            set_num_threads(2);
            float[][] two = ProbeGenerator.Generate(4099, GradientParameters.Default);

            Assert.Equal(one, two);
        }
        finally
        {
            set_num_threads(threads);
        }
    }

    [Fact]
    public void Generate_Adversarial_MovesEveryCoordinateByEpsilonFromTheGaussianStart()
    {
        // Same seed and kind order: the adversarial probe starts from the Gaussian draw that a gaussian-only run makes first.
        float[] start = ProbeGenerator.Generate(32, GradientParameters.Default with { ProbeKinds = ["gaussian"], ProbesPerKind = 1 })[0];
        float[] adversarial = ProbeGenerator.Generate(32, GradientParameters.Default with { ProbeKinds = ["adversarial"], ProbesPerKind = 1 })[0];

        Assert.All(start.Zip(adversarial), pair => Assert.Equal(0.03, Math.Abs(pair.Second - pair.First), 5));
    }

    [Theory]
    [InlineData("low-frequency", 0, 1.0 / 8)]
    [InlineData("high-frequency", 0.5, 1.0)]
    [InlineData("structured", 0, 1.0 / 4)]
    public void Generate_FilteredKinds_AddEnergyOnlyInTheirBand(string kind, double from, double to)
    {
        float[] gaussian = ProbeGenerator.Generate(256, GradientParameters.Default with { ProbeKinds = ["gaussian"], ProbesPerKind = 1 })[0];
        float[] probe = ProbeGenerator.Generate(256, GradientParameters.Default with { ProbeKinds = [kind], ProbesPerKind = 1 })[0];

        using var scope = NewDisposeScope();
        Tensor added = fft.rfft(tensor(probe.Zip(gaussian, (p, g) => (double)p - g).ToArray()));
        double[] magnitude = added.abs().data<double>().ToArray();
        int bins = magnitude.Length;
        for (int bin = 0; bin < bins; bin++)
        {
            bool inBand = bin >= (int)(from * bins) && bin < Math.Max(1, (int)(to * bins));
            Assert.True(inBand ? magnitude[bin] > 1e-3 : magnitude[bin] < 1e-3, $"bin {bin}: {magnitude[bin]}");
        }
    }

    private sealed class SequenceComparer : IEqualityComparer<float[]>
    {
        public bool Equals(float[]? x, float[]? y) => x!.SequenceEqual(y!);

        public int GetHashCode(float[] obj) => obj.Length;
    }
}
