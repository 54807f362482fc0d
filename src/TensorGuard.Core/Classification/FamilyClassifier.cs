namespace TensorGuard.Core.Classification;

/// <summary>
/// Assigns models to the families of a policy's base models (docs/classification.md explains the
/// choices and how they score on the published fingerprints).
/// </summary>
public sealed class FamilyClassifier
{
    /// <summary>The reference implementation's fixed novelty threshold, in its standardised units.</summary>
    public const double PaperUnknownThreshold = 7;

    /// <summary>The standard normal 0.99 quantile, for the χ² fallback threshold used when no family has two bases.</summary>
    private const double FallbackQuantileZ = 2.3263478740408408;

    private readonly IReadOnlyList<ReferenceBase> bases;

    public FamilyClassifier(IReadOnlyList<ReferenceBase> bases, ClassifierMethod method = ClassifierMethod.TensorGuard)
    {
        if (bases.Count < 2)
        {
            throw new InvalidInputException($"the policy has {bases.Count} base model(s) with a fingerprint; classification needs at least two to scale the features.");
        }

        this.bases = bases;
        Method = method;
    }

    public ClassifierMethod Method { get; }

    /// <summary>Classifies <paramref name="queries"/> together (K-Means and the paper's scaling see them all).</summary>
    public ClassificationRun Classify(IReadOnlyList<NamedFeatures> queries)
    {
        var space = FeatureSpace.Fit(Method, bases, queries);
        double[][] basePoints = bases.Select(b => space.Project(b.Name, b.Features)).ToArray();
        double[][] queryPoints = queries.Select(q => space.Project(q.Name, q.Features)).ToArray();
        double threshold = Method == ClassifierMethod.Paper ? PaperUnknownThreshold : CalibratedThreshold(space, basePoints);

        int[] clusters = CentroidKMeans.Cluster([.. basePoints, .. queryPoints], basePoints, space.Distance);
        var results = new FamilyClassification[queries.Count];
        for (int q = 0; q < queries.Count; q++)
        {
            double[] distances = basePoints.Select(b => space.Distance(queryPoints[q], b)).ToArray();
            if (distances.All(double.IsPositiveInfinity))
            {
                throw new InvalidInputException($"{queries[q].Name}: the fingerprint shares no feature with the policy's bases; compare fingerprints of the same method.");
            }

            int nearest = ArgMin(distances);
            ReferenceBase cluster = bases[clusters[bases.Count + q]];
            string chosen = Method == ClassifierMethod.Paper ? cluster.Family : bases[nearest].Family;
            bool unknown = distances[nearest] > threshold;
            results[q] = new FamilyClassification(
                queries[q].Name,
                unknown ? FamilyClassification.UnknownFamily : chosen,
                bases[nearest].Name,
                bases[nearest].Family,
                distances[nearest],
                bases.Select((b, i) => KeyValuePair.Create(b.Name, distances[i])).ToDictionary(StringComparer.Ordinal),
                Confidence(distances, chosen),
                unknown,
                threshold,
                cluster.Name,
                Method);
        }

        return new ClassificationRun(Method, threshold, space, bases, basePoints, results, queryPoints);
    }

    /// <summary>
    /// The novelty threshold: the largest distance between two bases of one family in the policy. A
    /// model farther from every base than the most different members of a family are from each other
    /// resembles none of them. Without a family of two bases there is no such spread to measure; then
    /// the 99th percentile of a χ² distance over the compared features (Wilson–Hilferty) is used, since
    /// the weights put each feature in units of (shrunk) within-family spread.
    /// </summary>
    private double CalibratedThreshold(FeatureSpace space, double[][] basePoints)
    {
        double widest = 0;
        bool measured = false;
        for (int i = 0; i < bases.Count; i++)
        {
            for (int j = i + 1; j < bases.Count; j++)
            {
                if (string.Equals(bases[i].Family, bases[j].Family, StringComparison.Ordinal))
                {
                    widest = Math.Max(widest, space.Distance(basePoints[i], basePoints[j]));
                    measured = true;
                }
            }
        }

        if (measured)
        {
            return widest;
        }

        double k = space.Names.Count;
        double cube = 1 - (2 / (9 * k)) + (FallbackQuantileZ * Math.Sqrt(2 / (9 * k)));
        return Math.Sqrt(k * cube * cube * cube);
    }

    private double Confidence(double[] distances, string family)
    {
        var nearestPerFamily = bases.Select((b, i) => (b.Family, Distance: distances[i]))
            .GroupBy(pair => pair.Family, StringComparer.Ordinal)
            .ToDictionary(group => group.Key, group => group.Min(pair => pair.Distance), StringComparer.Ordinal);
        double closest = nearestPerFamily.Values.Min();

        // Subtracting the closest squared distance keeps the exponentials from underflowing.
        double Likelihood(double d) => Math.Exp(-((d * d) - (closest * closest)) / 2);
        return Likelihood(nearestPerFamily[family]) / nearestPerFamily.Values.Sum(Likelihood);
    }

    private static int ArgMin(double[] values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] < values[best])
            {
                best = i;
            }
        }

        return best;
    }
}
