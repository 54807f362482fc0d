namespace TensorGuard.Core.Fingerprints.Lineage;

/// <summary>Whether a candidate derives from a base.</summary>
public enum LineageVerdict
{
    /// <summary>Nothing (or too little) was comparable, or the evidence is between the thresholds.</summary>
    Inconclusive,

    /// <summary>The candidate's weights carry the base's: the null of unrelated weights is rejected.</summary>
    Derived,

    /// <summary>The candidate's weights show no trace of the base's.</summary>
    NotDerived,
}

/// <summary>How verdicts read in text.</summary>
public static class LineageVerdictText
{
    /// <summary>"derived", "not derived" or "inconclusive".</summary>
    public static string Describe(this LineageVerdict verdict) => verdict switch
    {
        LineageVerdict.Derived => "derived",
        LineageVerdict.NotDerived => "not derived",
        _ => "inconclusive",
    };
}

/// <summary>The best candidate view for one base view.</summary>
/// <param name="BaseView">The base view, as described in its sketch.</param>
/// <param name="CandidateView">The candidate view whose feature correlations agree most with the base view's.</param>
/// <param name="Similarity">Pearson correlation between the two views' feature correlations (1 = identical).</param>
/// <param name="ZScore">Fisher-transformed similarity in standard deviations of the null.</param>
/// <param name="Log10PValue">log10 of the p-value, corrected for the number of candidate views tried.</param>
public sealed record LineageMatch(string BaseView, string CandidateView, double Similarity, double ZScore, double Log10PValue);

/// <summary>The outcome of comparing a candidate with a base sketch.</summary>
/// <param name="Verdict">Derived, not derived or inconclusive.</param>
/// <param name="Similarity">Mean similarity of the base views' best matches (about 0 for unrelated weights).</param>
/// <param name="Log10PValue">log10 of the combined p-value of "the candidate is unrelated to the base".</param>
/// <param name="ComparableViews">Base views that had at least one comparable candidate view.</param>
/// <param name="CandidateViews">Candidate views compared.</param>
/// <param name="Reason">One sentence explaining the verdict.</param>
/// <param name="Matches">Best match per comparable base view, strongest first.</param>
public sealed record LineageComparison(
    LineageVerdict Verdict,
    double Similarity,
    double Log10PValue,
    int ComparableViews,
    int CandidateViews,
    string Reason,
    IReadOnlyList<LineageMatch> Matches)
{
    /// <summary>The null hypothesis the p-value is computed under, stated in every report.</summary>
    public const string NullHypothesis =
        "the candidate's weights are unrelated to the base's: each match's Fisher-z similarity is taken as normal with " +
        "mean 0 and the larger of the analytic standard deviation 1/sqrt(pairs-3) and the root mean square over " +
        "64 seeded relabelings of the candidate's features (unrelated features with the same structure); Bonferroni-corrected for the candidate views tried; " +
        "combined over base views with Hommel's method, valid under any dependence between views";

    /// <summary>Whether the candidate's hidden dimension was found permuted and the base's window was located in it.</summary>
    public bool HiddenPermutationUndone { get; init; }

    /// <summary>The combined p-value (0 when it underflows a double).</summary>
    public double PValue => Math.Pow(10, Log10PValue);
}
