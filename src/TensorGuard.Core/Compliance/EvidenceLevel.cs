namespace TensorGuard.Core.Compliance;

/// <summary>
/// How strong the evidence about an artifact's lineage is: the one vocabulary every report, output and finding uses
/// (DESIGN §9). Only <see cref="Identical"/> and <see cref="Derived"/> prove that the weights come from a base;
/// <see cref="Resembles"/> means the same architecture and family statistics, which independently trained models share.
/// Declared in order of strength, strongest first.
/// </summary>
public enum EvidenceLevel
{
    /// <summary>The artifact's files, or a meaningful share of its non-trivial tensors, are byte-identical to a base's.</summary>
    Identical,

    /// <summary>The lineage test rejects "unrelated weights" at the derived threshold.</summary>
    Derived,

    /// <summary>Only the classifier: the nearest base by gradient/shape statistics. Never proof of derivation.</summary>
    Resembles,

    /// <summary>A lineage test ran but fell between the thresholds (or too little was comparable).</summary>
    Inconclusive,

    /// <summary>The lineage test finds the weights unrelated to every base it could test.</summary>
    NotDerived,

    /// <summary>No evidence ties the artifact to any base of the policy.</summary>
    Unknown,
}

/// <summary>The tokens and sentences of <see cref="EvidenceLevel"/>, in one place so no output can drift from another.</summary>
public static class EvidenceLevels
{
    /// <summary>Every level, strongest first.</summary>
    public static IReadOnlyList<EvidenceLevel> All { get; } = Enum.GetValues<EvidenceLevel>();

    /// <summary>The level as written in JSON, SARIF, action outputs and policies: <c>identical</c>, <c>not-derived</c>, ….</summary>
    public static string Token(this EvidenceLevel level) => level switch
    {
        EvidenceLevel.Identical => "identical",
        EvidenceLevel.Derived => "derived",
        EvidenceLevel.Resembles => "resembles",
        EvidenceLevel.Inconclusive => "inconclusive",
        EvidenceLevel.NotDerived => "not-derived",
        _ => "unknown",
    };

    /// <summary>The level of a token, or null when <paramref name="token"/> is none.</summary>
    public static EvidenceLevel? Parse(string token) => All.Cast<EvidenceLevel?>().FirstOrDefault(level => level!.Value.Token() == token);

    /// <summary>What the level means, in one sentence for readers of a report.</summary>
    public static string Meaning(this EvidenceLevel level) => level switch
    {
        EvidenceLevel.Identical => "files or non-trivial tensors are byte-identical to the base's: the weights are the base's",
        EvidenceLevel.Derived => "the lineage test finds the base's weights in the artifact's (p below the derived threshold)",
        EvidenceLevel.Resembles => "the classifier finds the same architecture and family statistics; independent models share these, so derivation is not proven",
        EvidenceLevel.Inconclusive => "a lineage test ran but could not decide",
        EvidenceLevel.NotDerived => "the lineage test finds the weights unrelated to the bases it tested",
        _ => "no evidence ties the weights to a base of the policy",
    };

    /// <summary>The level one lineage test supports on its own: derived, not-derived or inconclusive.</summary>
    public static EvidenceLevel Of(LineageTest test) => test.Verdict switch
    {
        Fingerprints.Lineage.LineageVerdict.Derived => EvidenceLevel.Derived,
        Fingerprints.Lineage.LineageVerdict.NotDerived => EvidenceLevel.NotDerived,
        _ => EvidenceLevel.Inconclusive,
    };

    /// <summary>Whether the level proves derivation on its own, so that findings resting on a derivation may be raised.</summary>
    public static bool ProvesDerivation(this EvidenceLevel level) => level is EvidenceLevel.Identical or EvidenceLevel.Derived;

    /// <summary>Whether <paramref name="level"/> is at least as strong as <paramref name="required"/>.</summary>
    public static bool AtLeast(this EvidenceLevel level, EvidenceLevel required) => level <= required;
}
