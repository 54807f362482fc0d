namespace TensorGuard.Core.Fingerprints.Lineage;

/// <summary>The constants of the lineage method (version 2). Changing any of them changes the method's version.</summary>
public static class LineageSettings
{
    /// <summary>Method identifier in fingerprint documents.</summary>
    public const string MethodId = "tensorguard-lineage";

    /// <summary>
    /// Method version: sketches of different versions are not compared. Version 2 reads convolution kernels as
    /// matrices (<see cref="WeightMatrix"/>); sketches of models without them are the same as version 1's.
    /// </summary>
    public const int Version = 2;

    /// <summary>Hidden features whose correlations are sketched (fewer when the model is narrower).</summary>
    public const int FeatureWindow = 64;

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

    /// <summary>Fewest comparable base views for a verdict other than inconclusive.</summary>
    public const int MinimumComparableViews = 3;
}
