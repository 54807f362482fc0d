namespace TensorGuard.Core.Fingerprints;

/// <summary>
/// Everything that determines a <c>tensorguard-gradient</c> fingerprint besides the weights. Two fingerprints
/// are comparable only when their parameters are equal; reference files carry none (<see cref="FingerprintDocument.Format"/>).
/// </summary>
/// <param name="ProbeSeed">Seed of the probe generator, re-seeded for every probe width.</param>
/// <param name="ProbeKinds">Probe kinds in generation order.</param>
/// <param name="ProbesPerKind">Probes of each kind per tensor.</param>
/// <param name="AdversarialEpsilon">FGSM step of the adversarial probes.</param>
/// <param name="AdversarialClasses">Width of the random classifier the adversarial step attacks.</param>
/// <param name="TensorsPerRole">Most tensors analysed per role (a name with its numbers blanked), evenly spread over depth.</param>
public sealed record GradientParameters(
    long ProbeSeed,
    IReadOnlyList<string> ProbeKinds,
    int ProbesPerKind,
    double AdversarialEpsilon,
    int AdversarialClasses,
    int TensorsPerRole)
{
    /// <summary>
    /// The parameters of method version 1: the seed is the paper's arXiv number; three probes of each kind
    /// give the reference's 15 probes per tensor; ε = 0.03 as in the reference; four instances per role.
    /// </summary>
    public static GradientParameters Default { get; } = new(250601631, Gradient.ProbeGenerator.Kinds, 3, 0.03, 10, 4);

    /// <summary>Value equality that compares <see cref="ProbeKinds"/> element-wise.</summary>
    public bool Equals(GradientParameters? other) =>
        other is not null
        && ProbeSeed == other.ProbeSeed
        && ProbeKinds.SequenceEqual(other.ProbeKinds, StringComparer.Ordinal)
        && ProbesPerKind == other.ProbesPerKind
        && AdversarialEpsilon.Equals(other.AdversarialEpsilon)
        && AdversarialClasses == other.AdversarialClasses
        && TensorsPerRole == other.TensorsPerRole;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(ProbeSeed, ProbeKinds.Count, ProbesPerKind, AdversarialEpsilon, AdversarialClasses, TensorsPerRole);
}
