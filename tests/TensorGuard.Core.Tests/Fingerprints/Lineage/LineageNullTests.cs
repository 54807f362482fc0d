using System.Text.RegularExpressions;
using MathNet.Numerics.LinearAlgebra;
using TensorGuard.Core.Fingerprints;
using TensorGuard.Core.Fingerprints.Lineage;
using TensorGuard.Core.Formats;

namespace TensorGuard.Core.Tests.Fingerprints.Lineage;

/// <summary>
/// What keeps the null of unrelated weights standard normal at every width (docs/lineage-calibration.md): a view's
/// spikes are shrunk to the bulk, never removed, so no rank-one imprint outweighs the fine structure; and sketches of
/// the earlier method, whose null was heavy-tailed, are refused.
/// </summary>
public sealed class LineageNullTests
{
    private const int Features = 64;

    [Theory]
    [InlineData(1024)]
    [InlineData(8192)]
    public void Compute_SpikedNoise_LeavesNoRankOneImprint(int units)
    {
        // Noise plus one strong factor shared by every feature: a spike far above the Marchenko–Pastur edge.
        var random = new Random(units);
        var values = new float[units * Features];
        var loadings = Enumerable.Range(0, Features).Select(_ => Gaussian(random)).ToArray();
        for (int u = 0; u < units; u++)
        {
            double factor = 3 * Gaussian(random);
            for (int f = 0; f < Features; f++)
            {
                values[(u * Features) + f] = (float)(Gaussian(random) + (factor * loadings[f]));
            }
        }

        using var source = new MemoryTensorSource(("w", units, Features, values));
        float[] upper = FeatureCorrelations.Compute(source, new WeightView(source.Tensors[0], FeaturesAlongRows: false), Enumerable.Range(0, Features).ToArray())!;

        double smallest = Eigenvalues(upper).Min();

        // Removing the spike (version 2) leaves an eigenvalue of exactly 0 in its direction: a −v·vᵀ imprint of weight
        // 1 in the off-diagonal, against bulk entries of size √(features/units), which made the null heavy-tailed in
        // wide views. Shrinking it to the bulk leaves that direction well away from 0.
        Assert.True(smallest > 0.3, $"smallest eigenvalue {smallest:0.000}");
    }

    [Fact]
    public void Read_SketchOfAnEarlierVersion_IsRefusedWithRecompute()
    {
        using var source = new MemoryTensorSource(("w", 256, Features, TestWeights.Random(256 * Features, seed: 3)));
        var document = new FingerprintDocument { ModelName = "base", ParameterCount = 256 * Features, Lineage = LineageSketcher.Sketch(source) };
        string current = FingerprintWriter.ToJson(document);
        string earlier = Regex.Replace(current, $"(\"{LineageSettings.MethodId}\":\\s*\\{{\\s*\"version\":\\s*){LineageSettings.Version}", "${1}" + (LineageSettings.Version - 1));
        Assert.NotEqual(current, earlier);

        InvalidInputException error = Assert.Throws<InvalidInputException>(() =>
            FingerprintReader.Parse(System.Text.Encoding.UTF8.GetBytes(earlier), "base.json", "base"));

        Assert.Contains($"version {LineageSettings.Version - 1}", error.Message, StringComparison.Ordinal);
        Assert.Contains("recompute", error.Message, StringComparison.Ordinal);
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static double[] Eigenvalues(float[] upper)
    {
        Matrix<double> matrix = Matrix<double>.Build.DenseIdentity(Features);
        int pair = 0;
        for (int i = 0; i < Features; i++)
        {
            for (int j = i + 1; j < Features; j++)
            {
                matrix[i, j] = matrix[j, i] = upper[pair++];
            }
        }

        return matrix.Evd(Symmetricity.Symmetric).EigenValues.Select(v => v.Real).ToArray();
    }
}
