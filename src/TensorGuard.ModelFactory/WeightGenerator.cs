namespace TensorGuard.ModelFactory;

/// <summary>
/// Initial values that look statistically like trained weights, not like a fresh initialisation:
/// matrices scale as 1/√fan_in with a low-rank component (decaying spectrum), log-normal row scales and a
/// few heavy-tailed (Student-t) rows; embeddings share a mean direction (anisotropy); norm weights sit
/// near 1 (Gemma: near 0, stored as offsets), larger on a few model-wide outlier channels; biases are
/// heavy-tailed. Each tensor draws from its own stream keyed by seed, family, role and shape.
/// </summary>
internal static class WeightGenerator
{
    private const double LowRankEnergy = 0.25;
    private const double HeavyRowFraction = 0.04;
    private const double OutlierChannelFraction = 0.03;

    public static float[] Generate(TensorRole role, IReadOnlyList<int> shape, Architecture architecture, long seed)
    {
        // Family and shape are part of the key: equal seeds of different families or sizes stay independent.
        SeededRandom random = SeededRandom.For(seed, $"init/{architecture.Family}/{role.Key}/{string.Join('x', shape)}");
        if (role.IsNorm)
        {
            SeededRandom channels = SeededRandom.For(seed, $"outlier-channels/{architecture.Family}/{shape[0]}");
            return Norm(random, channels, shape[0], role.Kind == TensorKind.FinalNorm ? 2.0 : 1.0, architecture.NormsStoredAsOffset);
        }

        if (role.IsBias)
        {
            return Enumerable.Range(0, shape[0]).Select(_ => (float)(0.1 * random.NextStudentT(3))).ToArray();
        }

        if (shape.Count != 2 && role.Kind != TensorKind.ConvKernel)
        {
            throw new ArgumentException($"Role {role} expects a matrix, got {shape.Count} dimensions.", nameof(shape));
        }

        // A kernel [out, in, k…] is generated as its out × (in·k…) matrix: fan-in is in·k….
        int rows = shape[0];
        int columns = shape.Skip(1).Aggregate(1, (product, dim) => product * dim);
        double gain = role.Kind is TensorKind.AttnO or TensorKind.MlpDown ? 0.6 : 1.0;
        float[] values = TrainedLikeMatrix(random, rows, columns, gain / Math.Sqrt(columns));
        if (role.Kind == TensorKind.Embedding)
        {
            AddSharedDirection(random, values, columns, 0.5 / Math.Sqrt(columns));
        }

        return values;
    }

    private static float[] TrainedLikeMatrix(SeededRandom random, int rows, int columns, double std)
    {
        int rank = Math.Max(2, Math.Min(rows, columns) / 8);
        var left = new float[rows * rank];
        var right = new float[rank * columns];
        random.FillGaussian(left);
        random.FillGaussian(right);
        for (int k = 0; k < rank; k++)
        {
            float decay = (float)(1.0 / Math.Sqrt(k + 1));
            for (int r = 0; r < rows; r++)
            {
                left[(r * rank) + k] *= decay;
            }
        }

        float[] lowRank = Matrix.Multiply(left, right, rows, rank, columns);
        double lowRankScale = Math.Sqrt(LowRankEnergy * lowRank.Length) / Math.Max(Matrix.Norm(lowRank), 1e-30);
        double noiseScale = Math.Sqrt(1 - LowRankEnergy);
        var values = new float[rows * columns];
        for (int r = 0; r < rows; r++)
        {
            bool heavy = random.NextDouble() < HeavyRowFraction;
            double rowScale = std * Math.Exp(0.25 * random.NextGaussian());
            for (int c = 0; c < columns; c++)
            {
                double noise = heavy ? random.NextStudentT(4) : random.NextGaussian();
                int i = (r * columns) + c;
                values[i] = (float)(rowScale * ((noiseScale * noise) + (lowRankScale * lowRank[i])));
            }
        }

        return values;
    }

    private static void AddSharedDirection(SeededRandom random, float[] values, int columns, double std)
    {
        var direction = new float[columns];
        random.FillGaussian(direction, std);
        for (int i = 0; i < values.Length; i++)
        {
            values[i] += direction[i % columns];
        }
    }

    // Outlier channels are a property of the model: the same hidden dimensions in every layer.
    private static float[] Norm(SeededRandom random, SeededRandom channels, int length, double level, bool storedAsOffset)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            bool outlier = channels.NextDouble() < OutlierChannelFraction;
            double scale = level * Math.Exp(0.2 * random.NextGaussian()) * (outlier ? 4.0 : 1.0);
            values[i] = (float)(storedAsOffset ? scale - 1.0 : scale);
        }

        return values;
    }
}
