namespace TensorGuard.Core.Classification;

/// <summary>The family verdict for one model.</summary>
/// <param name="Name">The model.</param>
/// <param name="Family">The family id, or <see cref="UnknownFamily"/> when the model is far from every base.</param>
/// <param name="NearestBase">
/// The closest base of the nearest labelled model's family (reported even when the model is unknown): the base a
/// lineage test should confirm.
/// </param>
/// <param name="NearestFamily">The family of <paramref name="NearestBase"/>.</param>
/// <param name="Distance">Distance to the nearest labelled model (<see cref="NearestReference"/>), base or reference.</param>
/// <param name="Distances">Distance to every base, in policy order.</param>
/// <param name="Confidence">
/// Probability of the chosen family among the policy's families, from Gaussian likelihoods
/// exp(−d²/2) of the distance to each family's nearest base (d is in units of within-family spread).
/// </param>
/// <param name="Unknown">True when <paramref name="Distance"/> exceeds the run's novelty threshold.</param>
/// <param name="UnknownThreshold">The distance beyond which the run calls a model unknown.</param>
/// <param name="Cluster">The base whose K-Means cluster the model fell into.</param>
/// <param name="Method">The method that produced the verdict.</param>
public sealed record FamilyClassification(
    string Name,
    string Family,
    string NearestBase,
    string NearestFamily,
    double Distance,
    IReadOnlyDictionary<string, double> Distances,
    double Confidence,
    bool Unknown,
    double UnknownThreshold,
    string Cluster,
    ClassifierMethod Method)
{
    /// <summary>The family reported for a model that matches no base.</summary>
    public const string UnknownFamily = "unknown";

    /// <summary>The labelled model (base or further reference) nearest to this one, whose family the verdict takes.</summary>
    public string NearestReference { get; init; } = string.Empty;

    /// <summary>Whether the lineage method confirms derivation from the nearest base (set by callers that have sketches).</summary>
    public NearestBaseLineage? NearestBaseLineage { get; init; }
}
