using TensorGuard.Core.Fingerprints.Lineage;

namespace TensorGuard.Core.Tests.Fingerprints.Lineage;

public sealed class SignificanceTests
{
    [Theory]
    [InlineData(0.0, 0.5)]
    [InlineData(1.0, 0.15865525393145707)]
    [InlineData(5.0, 2.866515718791939e-7)]
    [InlineData(-2.0, 0.9772498680518208)]
    public void LogUpperTail_MatchesTheNormalDistribution(double z, double expected)
    {
        Assert.Equal(expected, Math.Exp(Significance.LogUpperTail(z)), expected * 1e-6);
    }

    [Fact]
    public void LogUpperTail_FarBeyondDoubleRange_StaysFiniteAndFollowsTheGaussianTail()
    {
        double log = Significance.LogUpperTail(100);

        // ln P(Z ≥ z) ≈ −z²/2 − ln(z √(2π)) for large z.
        Assert.Equal(-5000 - Math.Log(100 * Math.Sqrt(2 * Math.PI)), log, 1e-3);
    }

    [Fact]
    public void LogHommel_OneStrongTestAmongMany_IsPenalisedForMultiplicity()
    {
        double[] logs = [Math.Log(1e-6), 0, 0, 0];

        double combined = Significance.LogHommel(logs);

        // H_4 · 4 · 1e-6 = 25/12 · 4e-6.
        Assert.Equal(Math.Log(25.0 / 12 * 4e-6), combined, 1e-9);
    }

    [Fact]
    public void LogHommel_ManyModerateTests_CombineToStrongerEvidenceThanEach()
    {
        double[] logs = Enumerable.Repeat(Math.Log(1e-3), 20).ToArray();

        double combined = Significance.LogHommel(logs);

        Assert.True(combined < Math.Log(1e-2), $"combined ln p {combined}");
        Assert.Equal(Math.Log(Enumerable.Range(1, 20).Sum(i => 1.0 / i) * 1e-3), combined, 1e-9);
    }

    [Fact]
    public void LogHommel_NoTests_IsOne()
    {
        Assert.Equal(0, Significance.LogHommel([]));
    }
}
