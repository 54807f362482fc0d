namespace TensorGuard.Core.Classification;

/// <summary>
/// The space fingerprints are compared in: which features, how each is transformed and scaled, and how
/// much each weighs in the distance. Points are arrays over <see cref="Names"/>, NaN where a fingerprint
/// lacks a feature (reference files omit a layer type they found no tensor of).
/// </summary>
public sealed class FeatureSpace
{
    private const string TotalParams = "total_params";
    private const string NumLayers = "num_layers";

    private readonly double[] center;
    private readonly double[] scale;
    private readonly bool[] logarithmic;

    private readonly double squaredCap;

    private FeatureSpace(string[] names, double[] center, double[] scale, bool[] logarithmic, double[] weights, double cap)
    {
        Names = names;
        squaredCap = cap * cap;
        this.center = center;
        this.scale = scale;
        this.logarithmic = logarithmic;
        Weights = weights;
    }

    /// <summary>The features compared, in order.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The weight of each feature's squared standardised difference in <see cref="Distance"/>.</summary>
    public IReadOnlyList<double> Weights { get; }

    /// <summary>
    /// Fits the space for <paramref name="method"/>. TensorGuard's space depends on the labelled models only
    /// (<paramref name="bases"/>: the bases and any further references), so a model's result never depends on
    /// which other models are classified with it; the paper's standardisation is fitted on bases and queries
    /// together, as its reference code does.
    /// </summary>
    /// <param name="method">The classifier method.</param>
    /// <param name="bases">The labelled models.</param>
    /// <param name="queries">The models to classify (only the paper's method scales on them).</param>
    /// <param name="tuning">The classifier's constants (<see cref="ClassifierTuning.Default"/> unless cross-validation tries others); the paper's method uses neither.</param>
    public static FeatureSpace Fit(ClassifierMethod method, IReadOnlyList<ReferenceBase> bases, IReadOnlyList<NamedFeatures> queries, ClassifierTuning? tuning = null)
    {
        tuning ??= ClassifierTuning.Default;
        bool paper = method == ClassifierMethod.Paper;
        var candidates = bases.SelectMany(b => b.Features.Keys)
            .Distinct(StringComparer.Ordinal)
            .Where(name => paper ? name != TotalParams : IsShapeStatistic(name))
            .Order(StringComparer.Ordinal)
            .ToList();
        var fitted = paper
            ? bases.Select(b => b.Features).Concat(queries.Select(q => q.Features)).ToList()
            : bases.Select(b => b.Features).ToList();

        var names = new List<string>();
        var centers = new List<double>();
        var scales = new List<double>();
        var logs = new List<bool>();
        foreach (string name in candidates)
        {
            bool log = !paper && IsMagnitude(name);
            double[] values = fitted.Where(f => f.ContainsKey(name)).Select(f => Transform(name, f[name], log)).ToArray();
            if (values.Length < 2)
            {
                continue;
            }

            double mean = values.Average();
            double deviation = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Length);
            if (deviation == 0 && !paper)
            {
                // A feature every base shares says nothing about families (e.g. a fixed tensor count).
                continue;
            }

            names.Add(name);
            centers.Add(mean);

            // scikit-learn's StandardScaler, which the reference uses, leaves a constant feature unscaled.
            scales.Add(deviation == 0 ? 1 : deviation);
            logs.Add(log);
        }

        if (names.Count == 0)
        {
            throw new InvalidInputException("the policy's bases have no feature in common that varies between them; give at least two bases with different fingerprints.");
        }

        double cap = paper ? double.PositiveInfinity : tuning.ContributionCap;
        var space = new FeatureSpace([.. names], [.. centers], [.. scales], [.. logs], new double[names.Count], cap);
        double[] weights = paper ? Enumerable.Repeat(1.0, names.Count).ToArray() : space.WithinFamilyWeights(bases, tuning.Shrinkage);
        return new FeatureSpace([.. names], [.. centers], [.. scales], [.. logs], weights, cap);
    }

    /// <summary>The standardised point of <paramref name="features"/>; NaN where it lacks a feature.</summary>
    /// <exception cref="InvalidInputException">A magnitude feature is not positive, so it has no logarithm.</exception>
    public double[] Project(string model, IReadOnlyDictionary<string, double> features)
    {
        var point = new double[Names.Count];
        for (int i = 0; i < point.Length; i++)
        {
            if (!features.TryGetValue(Names[i], out double value))
            {
                point[i] = double.NaN;
                continue;
            }

            if (logarithmic[i] && !(value > 0))
            {
                throw new InvalidInputException($"{model}: feature {Names[i]} is {value}, but a gradient's spread or norm is positive; recompute the fingerprint.");
            }

            point[i] = (Transform(Names[i], value, logarithmic[i]) - center[i]) / scale[i];
        }

        return point;
    }

    /// <summary>
    /// Weighted Euclidean distance over the features both points have, each feature's term capped at
    /// <see cref="ClassifierTuning.ContributionCap"/> squared, rescaled by the share of the total weight they cover so
    /// that a fingerprint lacking a layer type is not made to look closer.
    /// </summary>
    public double Distance(double[] a, double[] b)
    {
        double sum = 0;
        double used = 0;
        double total = 0;
        for (int i = 0; i < a.Length; i++)
        {
            total += Weights[i];
            if (double.IsNaN(a[i]) || double.IsNaN(b[i]))
            {
                continue;
            }

            double difference = a[i] - b[i];
            sum += Math.Min(Weights[i] * difference * difference, squaredCap);
            used += Weights[i];
        }

        return used == 0 ? double.PositiveInfinity : Math.Sqrt(sum * total / used);
    }

    /// <summary>
    /// Spread (std, norm) and shape (skewness, kurtosis) statistics. Gradient means are left out: the
    /// gradient is rank one, so its mean is the product of the means of the probe and of the normalised
    /// response, and the probe's mean is noise around zero (DESIGN §4.1). Parameter and tensor counts are
    /// left out because they describe what was read (one shard, how many tensors), not the weights.
    /// </summary>
    public static bool IsShapeStatistic(string name) =>
        IsMagnitude(name) || name.EndsWith("_skewness", StringComparison.Ordinal) || name.EndsWith("_kurtosis", StringComparison.Ordinal);

    /// <summary>Positive quantities that scale with tensor shapes (norms track √in): compared as ratios, on a log scale.</summary>
    private static bool IsMagnitude(string name) =>
        name.EndsWith("_std", StringComparison.Ordinal) || name.EndsWith("_norm", StringComparison.Ordinal);

    private static double Transform(string name, double value, bool log) => log ? Math.Log(value) : value;

    /// <summary>
    /// 1 / (pooled within-family variance), in standardised units, with the variance shrunk toward the total
    /// variance by <paramref name="shrinkage"/> pseudo-degrees of freedom (see <see cref="ClassifierTuning.Shrinkage"/>):
    /// a feature on which the labelled models of one family agree counts more than one that varies with model
    /// size inside a family. Without any family of two labelled models every weight is 1.
    /// </summary>
    private double[] WithinFamilyWeights(IReadOnlyList<ReferenceBase> bases, double shrinkage)
    {
        double[][] points = bases.Select(b => Project(b.Name, b.Features)).ToArray();
        var weights = new double[Names.Count];
        for (int i = 0; i < weights.Length; i++)
        {
            double squares = 0;
            int degrees = 0;
            foreach (var family in bases.Select((b, index) => (b.Family, index)).GroupBy(pair => pair.Family, StringComparer.Ordinal))
            {
                double[] values = family.Select(pair => points[pair.index][i]).Where(v => !double.IsNaN(v)).ToArray();
                if (values.Length < 2)
                {
                    continue;
                }

                double mean = values.Average();
                squares += values.Sum(v => (v - mean) * (v - mean));
                degrees += values.Length - 1;
            }

            weights[i] = (degrees + shrinkage) / (squares + shrinkage);
        }

        return weights;
    }
}
