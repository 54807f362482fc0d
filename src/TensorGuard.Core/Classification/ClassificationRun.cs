namespace TensorGuard.Core.Classification;

/// <summary>Everything one classification produced: verdicts, and the geometry behind them for plots.</summary>
/// <param name="Method">The method used.</param>
/// <param name="UnknownThreshold">Distance beyond which a model is unknown.</param>
/// <param name="Space">The fitted feature space.</param>
/// <param name="Bases">The bases, in policy order.</param>
/// <param name="BasePoints">The bases' points in <paramref name="Space"/>.</param>
/// <param name="Results">One verdict per query, in input order.</param>
/// <param name="QueryPoints">The queries' points in <paramref name="Space"/>.</param>
public sealed record ClassificationRun(
    ClassifierMethod Method,
    double UnknownThreshold,
    FeatureSpace Space,
    IReadOnlyList<ReferenceBase> Bases,
    IReadOnlyList<double[]> BasePoints,
    IReadOnlyList<FamilyClassification> Results,
    IReadOnlyList<double[]> QueryPoints);
