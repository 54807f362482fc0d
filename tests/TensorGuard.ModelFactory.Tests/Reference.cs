namespace TensorGuard.ModelFactory.Tests;

/// <summary>Reference computations the factory's derivations must preserve or produce.</summary>
internal static class Reference
{
    public static float[] RandomVector(int length, long seed)
    {
        var values = new float[length];
        SeededRandom.For(seed, "test-input").FillGaussian(values);
        return values;
    }

    /// <summary>W·x for a logical out × in tensor.</summary>
    public static double[] Apply(TestTensor weight, ReadOnlySpan<float> x)
    {
        var y = new double[weight.Rows];
        for (int r = 0; r < weight.Rows; r++)
        {
            for (int c = 0; c < weight.Columns; c++)
            {
                y[r] += weight[r, c] * (double)x[c];
            }
        }

        return y;
    }

    /// <summary>down(silu(gate·x) ⊙ up·x) for one layer, fused or not.</summary>
    public static double[] Mlp(TestModel model, int layer, ReadOnlySpan<float> x)
    {
        double[] gate;
        double[] up;
        if (model.Find(TensorKind.MlpGateUp, layer) is { } fused)
        {
            double[] both = Apply(fused, x);
            gate = both[..(both.Length / 2)];
            up = both[(both.Length / 2)..];
        }
        else
        {
            gate = Apply(model.Get(TensorKind.MlpGate, layer), x);
            up = Apply(model.Get(TensorKind.MlpUp, layer), x);
        }

        float[] hidden = gate.Select((g, i) => (float)(g / (1 + Math.Exp(-g)) * up[i])).ToArray();
        return Apply(model.Get(TensorKind.MlpDown, layer), hidden);
    }

    /// <summary>RMSNorm with the family's weight convention.</summary>
    public static float[] RmsNorm(TestModel model, TestTensor weight, ReadOnlySpan<float> x)
    {
        double rms = Math.Sqrt(x.ToArray().Average(v => (double)v * v) + 1e-6);
        var y = new float[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            double w = model.Architecture.NormsStoredAsOffset ? 1 + weight.Values[i] : weight.Values[i];
            y[i] = (float)(x[i] / rms * w);
        }

        return y;
    }

    /// <summary>Numerical rank by modified Gram–Schmidt over rows, relative to the largest row norm.</summary>
    public static int Rank(double[][] rows, double tolerance = 1e-3)
    {
        double scale = rows.Max(Norm);
        var basis = new List<double[]>();
        foreach (double[] row in rows)
        {
            double[] residual = (double[])row.Clone();
            foreach (double[] b in basis)
            {
                double projection = 0;
                for (int i = 0; i < residual.Length; i++)
                {
                    projection += residual[i] * b[i];
                }

                for (int i = 0; i < residual.Length; i++)
                {
                    residual[i] -= projection * b[i];
                }
            }

            double norm = Norm(residual);
            if (norm > tolerance * scale)
            {
                basis.Add(residual.Select(v => v / norm).ToArray());
            }
        }

        return basis.Count;
    }

    public static double Correlation(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double meanA = 0;
        double meanB = 0;
        for (int i = 0; i < a.Length; i++)
        {
            meanA += a[i];
            meanB += b[i];
        }

        meanA /= a.Length;
        meanB /= b.Length;
        double ab = 0;
        double aa = 0;
        double bb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            ab += (a[i] - meanA) * (b[i] - meanB);
            aa += (a[i] - meanA) * (a[i] - meanA);
            bb += (b[i] - meanB) * (b[i] - meanB);
        }

        return ab / Math.Sqrt(aa * bb);
    }

    private static double Norm(double[] v) => Math.Sqrt(v.Sum(x => x * x));
}
