namespace TensorGuard.Core.Classification;

/// <summary>
/// Assigns models to the families of a policy's base models (docs/classification.md explains the
/// choices and how they score on the published fingerprints). TensorGuard's method compares a model with
/// every labelled fingerprint (the bases and the policy's further references) and takes the family of the
/// nearest one; the paper's method uses the bases alone, as its reference code does.
/// </summary>
public sealed class FamilyClassifier
{
    /// <summary>The reference implementation's fixed novelty threshold, in its standardised units.</summary>
    public const double PaperUnknownThreshold = 7;

    /// <summary>The standard normal 0.99 quantile, for the χ² fallback threshold used when no family has two bases.</summary>
    private const double FallbackQuantileZ = 2.3263478740408408;

    private readonly IReadOnlyList<ReferenceBase> bases;

    /// <summary>The bases first, then the further references; the paper's method has the bases only.</summary>
    private readonly IReadOnlyList<ReferenceBase> labelled;

    private readonly ClassifierTuning tuning;

    /// <param name="bases">The policy's bases: lineage candidates and labelled references.</param>
    /// <param name="method">How to classify.</param>
    /// <param name="references">Further labelled fingerprints that are not bases (ignored by the paper's method).</param>
    /// <param name="tuning">The classifier's constants; only cross-validation changes them.</param>
    public FamilyClassifier(
        IReadOnlyList<ReferenceBase> bases,
        ClassifierMethod method = ClassifierMethod.TensorGuard,
        IReadOnlyList<ReferenceBase>? references = null,
        ClassifierTuning? tuning = null)
    {
        if (bases.Count < 2)
        {
            throw new InvalidInputException($"the policy has {bases.Count} base model(s) with a fingerprint; classification needs at least two to scale the features.");
        }

        this.bases = bases;
        labelled = method == ClassifierMethod.Paper ? bases : [.. bases, .. references ?? []];
        Method = method;
        this.tuning = tuning ?? ClassifierTuning.Default;
    }

    public ClassifierMethod Method { get; }

    /// <summary>Classifies <paramref name="queries"/> together (K-Means and the paper's scaling see them all).</summary>
    public ClassificationRun Classify(IReadOnlyList<NamedFeatures> queries)
    {
        var space = FeatureSpace.Fit(Method, labelled, queries, tuning);
        double[][] labelledPoints = labelled.Select(b => space.Project(b.Name, b.Features)).ToArray();
        double[][] basePoints = labelledPoints[..bases.Count];
        double[][] queryPoints = queries.Select(q => space.Project(q.Name, q.Features)).ToArray();
        double threshold = Method == ClassifierMethod.Paper ? PaperUnknownThreshold : CalibratedThreshold(space, labelledPoints);

        int[] clusters = CentroidKMeans.Cluster([.. basePoints, .. queryPoints], basePoints, space.Distance);
        var results = new FamilyClassification[queries.Count];
        for (int q = 0; q < queries.Count; q++)
        {
            double[] distances = labelledPoints.Select(b => space.Distance(queryPoints[q], b)).ToArray();
            if (distances.All(double.IsPositiveInfinity))
            {
                throw new InvalidInputException($"{queries[q].Name}: the fingerprint shares no feature with the policy's bases; compare fingerprints of the same method.");
            }

            ReferenceBase nearest = labelled[ArgMin(distances)];
            ReferenceBase cluster = bases[clusters[bases.Count + q]];
            string chosen = Method == ClassifierMethod.Paper ? cluster.Family : nearest.Family;
            int nearestBase = NearestBaseOf(distances, nearest.Family);
            double distance = distances.Min();
            bool unknown = distance > threshold;
            results[q] = new FamilyClassification(
                queries[q].Name,
                unknown ? FamilyClassification.UnknownFamily : chosen,
                bases[nearestBase].Name,
                bases[nearestBase].Family,
                distance,
                bases.Select((b, i) => KeyValuePair.Create(b.Name, distances[i])).ToDictionary(StringComparer.Ordinal),
                Confidence(distances, chosen),
                unknown,
                threshold,
                cluster.Name,
                Method)
            {
                NearestReference = nearest.Name,
            };
        }

        return new ClassificationRun(Method, threshold, space, bases, basePoints, results, queryPoints);
    }

    /// <summary>
    /// The novelty threshold: the largest distance from a labelled model to the nearest other labelled model
    /// of its family. Every known model lies within it of another of its family, so a model farther from
    /// every labelled one resembles none of them. With bases only and at most two per family this is the
    /// largest within-family base distance. Without a family of two labelled models there is no such spread
    /// to measure; then the 99th percentile of a χ² distance over the compared features (Wilson–Hilferty) is
    /// used: with no within-family spread measured every weight is 1, so each feature is in units of its total spread.
    /// </summary>
    private double CalibratedThreshold(FeatureSpace space, double[][] points)
    {
        double widest = 0;
        bool measured = false;
        for (int i = 0; i < labelled.Count; i++)
        {
            double nearest = double.PositiveInfinity;
            for (int j = 0; j < labelled.Count; j++)
            {
                if (i != j && string.Equals(labelled[i].Family, labelled[j].Family, StringComparison.Ordinal))
                {
                    nearest = Math.Min(nearest, space.Distance(points[i], points[j]));
                }
            }

            if (double.IsFinite(nearest))
            {
                widest = Math.Max(widest, nearest);
                measured = true;
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

    /// <summary>The nearest base of <paramref name="family"/>: the one a lineage test should confirm (every policy family has a base).</summary>
    private int NearestBaseOf(double[] distances, string family)
    {
        int best = -1;
        for (int i = 0; i < bases.Count; i++)
        {
            if (string.Equals(bases[i].Family, family, StringComparison.Ordinal) && (best < 0 || distances[i] < distances[best]))
            {
                best = i;
            }
        }

        return best < 0 ? ArgMin(distances[..bases.Count]) : best;
    }

    private double Confidence(double[] distances, string family)
    {
        var nearestPerFamily = labelled.Select((b, i) => (b.Family, Distance: distances[i]))
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
