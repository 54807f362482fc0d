using TensorGuard.Core.Fingerprints;
using TensorGuard.Core.Policy;

namespace TensorGuard.Core.Classification;

/// <summary>Turns a policy's bases and fingerprint documents into the classifier's inputs.</summary>
public static class PolicyReferences
{
    /// <summary>
    /// Reads every base's fingerprint (file or inline). A base whose fingerprint is unreadable, of
    /// another method or incomplete is a policy error located at that base.
    /// </summary>
    /// <exception cref="PolicyException">A base's fingerprint is invalid, or the policy has no base at all.</exception>
    public static IReadOnlyList<ReferenceBase> Load(PolicyDocument policy) =>
        policy.Bases.Any()
            ? policy.Bases.Select(b => Reference(policy, "base", b.Name, b.FamilyId, b.Fingerprint, b.Position)).ToArray()
            : throw new PolicyException(policy.Path, new SourcePosition(1, 1), "the policy has no base models; add one with 'tensorguard policy add-base', or write 'extends: default' to use TensorGuard's.");

    /// <summary>Reads the policy's labelled references that are not bases (<c>references:</c>), located like bases on error.</summary>
    /// <exception cref="PolicyException">A reference's fingerprint is invalid.</exception>
    public static IReadOnlyList<ReferenceBase> LoadLabelled(PolicyDocument policy) =>
        policy.References.Select(r => Reference(policy, "reference", r.Name, r.FamilyId, r.Fingerprint, r.Position) with { Lineage = null }).ToArray();

    /// <summary>The gradient features of a fingerprint document, for classification.</summary>
    /// <exception cref="InvalidInputException">The document holds no gradient fingerprint.</exception>
    public static NamedFeatures Query(FingerprintDocument document, string source) =>
        new(document.ModelName, ToDictionary(document.RequireGradient(source).Features));

    /// <summary>
    /// The bases whose fingerprint was computed from exactly the weight files of <paramref name="document"/> (same
    /// SHA-256 set): adding it again would give the classifier two labels for one point. Bases whose fingerprint
    /// records no files (reference format, inline features) cannot be compared and are not listed.
    /// </summary>
    public static IReadOnlyList<PolicyBase> WithSameWeights(PolicyDocument policy, FingerprintDocument document)
    {
        var hashes = document.Files.Select(f => f.Sha256).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return hashes.Count == 0
            ? []
            : policy.Bases.Where(b => b.Fingerprint is FingerprintFile file && File.Exists(file.FullPath)
                && FingerprintReader.Read(file.FullPath).Files.Select(f => f.Sha256).ToHashSet(StringComparer.OrdinalIgnoreCase).SetEquals(hashes)).ToArray();
    }

    private static ReferenceBase Reference(PolicyDocument policy, string kind, string name, string family, BaseFingerprintSource fingerprint, SourcePosition position)
    {
        try
        {
            switch (fingerprint)
            {
                case FingerprintFile file:
                    FingerprintDocument document = FingerprintReader.Read(file.FullPath);
                    return new ReferenceBase(name, family, ToDictionary(document.RequireGradient(file.Written).Features), document.Lineage)
                    {
                        Identity = document.Identity,
                        Files = document.Files,
                    };
                case InlineFeatures inline:
                    return new ReferenceBase(name, family, ToDictionary(GradientFeatures.From(inline.Features)));
                default:
                    throw new InvalidOperationException($"unhandled fingerprint source {fingerprint.GetType().Name}");
            }
        }
        catch (ArgumentException error)
        {
            throw new PolicyException(policy.Path, position, $"{kind} '{Formats.UntrustedText.Printable(name)}': inline features are invalid: {error.Message.Split(" (Parameter")[0]}.");
        }
        catch (InvalidInputException error) when (error is not PolicyException)
        {
            throw new PolicyException(policy.Path, position, $"{kind} '{Formats.UntrustedText.Printable(name)}': {error.Message}");
        }
    }

    private static Dictionary<string, double> ToDictionary(GradientFeatures features) =>
        features.Present.ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.Ordinal);
}
