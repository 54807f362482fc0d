using TensorGuard.Core.Classification;

namespace TensorGuard.Cli;

/// <summary>The JSON shape of one classification verdict (camelCase via <see cref="CliJson"/>).</summary>
internal sealed record ClassificationJson(
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
    public static ClassificationJson Of(ClassificationRun run, FamilyClassification result) => new(
        result.Name,
        result.Family,
        result.NearestBase,
        result.NearestFamily,
        Round(result.Distance),
        result.Distances.ToDictionary(pair => pair.Key, pair => Round(pair.Value), StringComparer.Ordinal),
        Round(result.Confidence),
        result.Unknown,
        Round(run.UnknownThreshold),
        result.Cluster,
        run.Method);

    /// <summary>Six decimals: enough for any decision, and stable across platforms' last-bit differences.</summary>
    public static double Round(double value) => Math.Round(value, 6, MidpointRounding.ToEven);
}
