namespace TensorGuard.Core.Fingerprints.Lineage;

/// <summary>
/// The constants of the lineage method (version 3). Changing any of them, or which weights a sketch reads, changes the
/// method's version. Version 2 reads what a base on the Hub can serve by few byte ranges: sketches prefer views whose
/// window is contiguous in storage (see <see cref="LineageSketcher"/>), and anchors take runs of consecutive tokens.
/// It also reads convolution kernels as matrices (<see cref="WeightMatrix"/>). Version 3 shrinks a view's spikes to
/// the bulk instead of removing them (<see cref="FeatureCorrelations"/>), which keeps the null's tail normal at every
/// width (docs/lineage-calibration.md); version 2 sketches differ and are refused.
/// </summary>
public static class LineageSettings
{
    /// <summary>Method identifier in fingerprint documents.</summary>
    public const string MethodId = "tensorguard-lineage";

    /// <summary>Method version: sketches of different versions are not compared.</summary>
    public const int Version = 3;

    /// <summary>Hidden features whose correlations are sketched (fewer when the model is narrower).</summary>
    public const int FeatureWindow = 64;

    /// <summary>Runs of consecutive tokens an anchor is read in (each run is one stretch of rows in storage).</summary>
    public const int AnchorRuns = 4;

    /// <summary>Views kept in a base sketch: bounds the sketch to about 130 KB whatever the model size.</summary>
    public const int SketchViews = 64;

    /// <summary>Views of a candidate's full weights compared with a sketch: bounds the check's cost.</summary>
    public const int CandidateViews = 256;

    /// <summary>Units read per view at most (larger views are read at an even stride).</summary>
    public const int MaxUnits = 1 << 18;

    /// <summary>Seeded relabelings of the window that give each match its empirical null.</summary>
    public const int NullRelabelings = 64;

    /// <summary>Combined p-value at or below which the verdict is "derived".</summary>
    public const double DerivedPValue = 1e-6;

    /// <summary>Combined p-value above which the verdict is "not derived" (in between: inconclusive).</summary>
    public const double NotDerivedPValue = 1e-3;

    /// <summary>
    /// log10 of the smallest p-value reports state as a number: below it they say "p &lt; 1e-6", the derived threshold.
    /// The calibration (docs/lineage-calibration.md) checked the null where it decides: each view's z is standard
    /// normal as far as thousands of unrelated pairs reach (|z| ≈ 4.5), and no unrelated pair came near 1e-6. A
    /// smaller p only says how far past the threshold a pair lies, by extrapolating the normal tail beyond anything
    /// checked, so reports do not state it; JSON keeps the raw log10.
    /// </summary>
    public const double CalibratedLog10PValueFloor = -6;

    /// <summary>Fewest comparable base views for a verdict other than inconclusive.</summary>
    public const int MinimumComparableViews = 3;
}
