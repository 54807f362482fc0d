using TensorGuard.Core.Compliance;
using TensorGuard.Core.Fingerprints.Lineage;

namespace TensorGuard.Core.Reporting;

/// <summary>
/// The evidence level a report states for a lineage claim (DESIGN §9): <c>identical</c>, <c>derived</c>,
/// <c>resembles</c>, <c>not-derived</c>, <c>inconclusive</c> or <c>unknown</c>. The bill of materials and the lineage
/// graph take their words from here only, so they follow the compliance stage's evidence model in one place.
/// </summary>
public static class EvidenceLevels
{
    /// <summary>The level one lineage test supports.</summary>
    public static string Of(LineageTest test) => test.Verdict switch
    {
        LineageVerdict.Derived => "derived",
        LineageVerdict.NotDerived => "not-derived",
        _ => "inconclusive",
    };

    /// <summary>The level of an artifact's detected lineage as a whole.</summary>
    public static string Of(DetectedLineage detected) => detected.Strength switch
    {
        LineageStrength.Derived => "derived",
        LineageStrength.Nearest => "resembles",
        _ when detected.Source.Tests.Count > 0 && detected.Source.Tests.All(test => test.Verdict == LineageVerdict.NotDerived) => "not-derived",
        _ when detected.Source.Tests.Any(test => test.Verdict == LineageVerdict.Inconclusive) => "inconclusive",
        _ => "unknown",
    };

    /// <summary>Whether a level proves that the weights descend from the base (and so may be stated as an ancestor).</summary>
    public static bool ProvesDescent(string level) => level is "identical" or "derived";
}
