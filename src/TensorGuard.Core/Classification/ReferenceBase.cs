using TensorGuard.Core.Fingerprints.Lineage;

namespace TensorGuard.Core.Classification;

/// <summary>A base model of the policy with its resolved features: a labelled reference of its family.</summary>
/// <param name="Name">The base's name in the policy.</param>
/// <param name="Family">The family id it labels.</param>
/// <param name="Features">Its fingerprint's features.</param>
/// <param name="Lineage">Its lineage sketch, when its fingerprint carries one (inline features never do).</param>
public sealed record ReferenceBase(string Name, string Family, IReadOnlyDictionary<string, double> Features, LineageSketch? Lineage = null)
{
    /// <summary>Its tensors' content hashes, when its fingerprint carries them (<c>tensorguard-identity</c>).</summary>
    public Fingerprints.Identity.IdentityFingerprint? Identity { get; init; }

    /// <summary>Its weight files with their SHA-256, as its fingerprint records them (the Hub publishes the same hashes for LFS files).</summary>
    public IReadOnlyList<Fingerprints.SourceFile> Files { get; init; } = [];
}
