namespace TensorGuard.Core.Policy;

/// <summary>
/// A loaded, validated policy (schema <c>version: 1</c>, <c>policies/policy.schema.json</c>).
/// </summary>
/// <param name="Path">The policy file as it was given.</param>
/// <param name="Root">
/// The directory that file references may not leave: the git work tree containing the policy, or the
/// policy's own directory when it is not inside one.
/// </param>
public sealed record PolicyDocument(string Path, string Root, int Version, IReadOnlyList<PolicyFamily> Families)
{
    /// <summary>Every base model of every family, in file order.</summary>
    public IEnumerable<PolicyBase> Bases => Families.SelectMany(family => family.Bases);
}

/// <summary>A model family (e.g. Llama) and the base models that stand for it.</summary>
public sealed record PolicyFamily(string Id, string DisplayName, IReadOnlyList<PolicyBase> Bases, SourcePosition Position);

/// <summary>A published base model: the classifier's labelled reference for its family.</summary>
public sealed record PolicyBase(
    string Name,
    string FamilyId,
    string? Version,
    string? License,
    BaseFingerprintSource Fingerprint,
    SourcePosition Position);

/// <summary>Where a base model's fingerprint comes from.</summary>
public abstract record BaseFingerprintSource;

/// <summary>A fingerprint file, already resolved to a full path inside the policy's root.</summary>
/// <param name="FullPath">The file to read.</param>
/// <param name="Written">The reference as written in the policy, for messages.</param>
public sealed record FingerprintFile(string FullPath, string Written) : BaseFingerprintSource;

/// <summary>Feature values written in the policy itself (the reference's flat feature names).</summary>
public sealed record InlineFeatures(IReadOnlyDictionary<string, double> Features) : BaseFingerprintSource;
