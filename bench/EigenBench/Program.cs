// Compares the lineage sketch's symmetric eigen solver (SymmetricEigen, on MathNet.Numerics) with the hand-written
// EISPACK port it replaced (HandWrittenEigen) and TorchSharp's linalg.eigh on the matrices the sketch decomposes: 64 × 64 feature correlations of a weight view (a low-rank
// component plus noise, over a few thousand units). Reports the median time per decomposition, the worst
// residual ‖A·V − V·Λ‖/‖A‖ and orthogonality error ‖VᵀV − I‖ over all matrices, and whether a second run gives
// the same bits (the sketch must be byte-identical on every run and thread count).
//
// Usage: dotnet run -c Release --project bench/EigenBench [-- MATRICES]
using System.Diagnostics;
using EigenBench;
using TensorGuard.Core.Fingerprints.Lineage;
using TorchSharp;

const int Size = 64;
int count = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 400;
double[][] matrices = Enumerable.Range(0, count).Select(seed => Correlations(seed, units: 2048 + (seed % 7 * 512))).ToArray();

var solvers = new (string Name, Func<double[], (double[] Values, double[] Vectors)> Solve)[]
{
    ("SymmetricEigen (MathNet)", m => SymmetricEigen.Decompose(m, Size)),
    ("hand-written EISPACK port", m => HandWrittenEigen.Decompose(m, Size)),
    ("TorchSharp linalg.eigh", TorchEigen),
};

Console.WriteLine($"{count} correlation matrices of {Size} × {Size}; {Environment.ProcessorCount} cores; load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
Console.WriteLine($"{"solver",-28} {"median µs",10} {"p90 µs",10} {"max residual",13} {"max orthogonality",18} {"same bits twice",16}");
foreach ((string name, Func<double[], (double[], double[])> solve) in solvers)
{
    foreach (double[] m in matrices.Take(20))
    {
        solve(m); // warm up (JIT, native library load)
    }

    var times = new double[count];
    double residual = 0, orthogonality = 0;
    bool repeatable = true;
    for (int i = 0; i < count; i++)
    {
        long start = Stopwatch.GetTimestamp();
        (double[] values, double[] vectors) = solve(matrices[i]);
        times[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        residual = Math.Max(residual, Residual(matrices[i], values, vectors));
        orthogonality = Math.Max(orthogonality, Orthogonality(vectors));
        (double[] again, double[] againVectors) = solve(matrices[i]);
        repeatable &= values.AsSpan().SequenceEqual(again) && vectors.AsSpan().SequenceEqual(againVectors);
    }

    Array.Sort(times);
    Console.WriteLine($"{name,-28} {times[count / 2],10:F1} {times[count * 9 / 10],10:F1} {residual,13:E1} {orthogonality,18:E1} {repeatable,16}");
}

static (double[] Values, double[] Vectors) TorchEigen(double[] matrix)
{
    using var scope = torch.NewDisposeScope();
    (torch.Tensor values, torch.Tensor vectors) = torch.linalg.eigh(torch.tensor(matrix, torch.float64).reshape(Size, Size));
    double[] ascending = values.data<double>().ToArray();
    double[] columns = vectors.contiguous().data<double>().ToArray();
    return Descending(ascending, (i, k) => columns[(i * Size) + k]);
}

// linalg.eigh returns ascending eigenvalues; the sketch uses them in descending order.
static (double[] Values, double[] Vectors) Descending(double[] ascending, Func<int, int, double> vector)
{
    var values = new double[Size];
    var vectors = new double[Size * Size];
    for (int k = 0; k < Size; k++)
    {
        values[k] = ascending[Size - 1 - k];
        for (int i = 0; i < Size; i++)
        {
            vectors[(i * Size) + k] = vector(i, Size - 1 - k);
        }
    }

    return (values, vectors);
}

static double Residual(double[] a, double[] values, double[] vectors)
{
    double error = 0, norm = 0;
    for (int i = 0; i < Size; i++)
    {
        for (int k = 0; k < Size; k++)
        {
            double av = 0;
            for (int j = 0; j < Size; j++)
            {
                av += a[(i * Size) + j] * vectors[(j * Size) + k];
            }

            double difference = av - (values[k] * vectors[(i * Size) + k]);
            error += difference * difference;
            norm += a[(i * Size) + k] * a[(i * Size) + k];
        }
    }

    return Math.Sqrt(error / norm);
}

static double Orthogonality(double[] vectors)
{
    double error = 0;
    for (int k = 0; k < Size; k++)
    {
        for (int l = 0; l < Size; l++)
        {
            double dot = 0;
            for (int i = 0; i < Size; i++)
            {
                dot += vectors[(i * Size) + k] * vectors[(i * Size) + l];
            }

            double difference = dot - (k == l ? 1 : 0);
            error += difference * difference;
        }
    }

    return Math.Sqrt(error);
}

// Correlations of 64 features over `units` rows of a weight with a rank-4 component and heavy-tailed noise,
// the structure the sketch sees (spikes above the Marchenko–Pastur edge plus a bulk).
static double[] Correlations(int seed, int units)
{
    var random = new Random(seed);
    double Gaussian() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
    var factors = new double[4, Size];
    for (int r = 0; r < 4; r++)
    {
        for (int j = 0; j < Size; j++)
        {
            factors[r, j] = Gaussian() * (1.5 - (0.3 * r));
        }
    }

    var sums = new double[Size];
    var products = new double[Size * Size];
    var row = new double[Size];
    for (int u = 0; u < units; u++)
    {
        var loadings = new double[4];
        for (int r = 0; r < 4; r++)
        {
            loadings[r] = Gaussian();
        }

        double tail = random.NextDouble() < 0.02 ? 4 : 1;
        for (int j = 0; j < Size; j++)
        {
            double value = tail * Gaussian();
            for (int r = 0; r < 4; r++)
            {
                value += loadings[r] * factors[r, j];
            }

            row[j] = value;
            sums[j] += value;
        }

        for (int i = 0; i < Size; i++)
        {
            for (int j = i; j < Size; j++)
            {
                products[(i * Size) + j] += row[i] * row[j];
            }
        }
    }

    var correlations = new double[Size * Size];
    for (int i = 0; i < Size; i++)
    {
        for (int j = i; j < Size; j++)
        {
            double covariance(int a, int b) => (products[(Math.Min(a, b) * Size) + Math.Max(a, b)] / units) - (sums[a] / units * (sums[b] / units));
            double value = covariance(i, j) / Math.Sqrt(covariance(i, i) * covariance(j, j));
            correlations[(i * Size) + j] = correlations[(j * Size) + i] = value;
        }
    }

    return correlations;
}
