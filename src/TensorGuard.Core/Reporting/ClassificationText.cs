using System.Globalization;
using TensorGuard.Core.Classification;
using TensorGuard.Core.Fingerprints.Lineage;
using TensorGuard.Core.Formats;

namespace TensorGuard.Core.Reporting;

/// <summary>Human-readable rendering of classification verdicts.</summary>
public static class ClassificationText
{
    private static string Lineage(NearestBaseLineage lineage) => lineage.Verdict switch
    {
        null => lineage.Reason,
        LineageVerdict verdict => string.Create(CultureInfo.InvariantCulture,
            $"{verdict.Describe()} (similarity {lineage.Similarity:F2}, log10 p {lineage.Log10PValue:F1}): {lineage.Reason}"),
    };

    public static void Write(ClassificationRun run, TextWriter output)
    {
        var invariant = CultureInfo.InvariantCulture;
        foreach (FamilyClassification result in run.Results)
        {
            string name = UntrustedText.Printable(result.Name);
            output.WriteLine(result.Unknown
                ? string.Create(invariant, $"{name}: unknown family (nearest base {result.NearestBase} of {result.NearestFamily} at distance {result.Distance:F2}, beyond {run.UnknownThreshold:F2})")
                : string.Create(invariant, $"{name}: {result.Family} (confidence {result.Confidence:P0}), nearest base {result.NearestBase} at distance {result.Distance:F2}"));
            output.WriteLine("  distances: " + string.Join(", ", result.Distances.Select(pair => string.Create(invariant, $"{pair.Key} {pair.Value:F2}"))));
            if (result.NearestBaseLineage is { } lineage)
            {
                output.WriteLine($"  lineage vs {lineage.Base}: {Lineage(lineage)}");
            }
        }
    }
}
