using TensorGuard.Core.Fingerprints;
using TensorGuard.Core.Fingerprints.Lineage;
using TensorGuard.Core.Policy;

namespace TensorGuard.Core.Classification;

/// <summary>Turns a policy's bases and fingerprint documents into the classifier's inputs.</summary>
public static class PolicyReferences
{
    /// <summary>
    /// Reads every base's fingerprint (file or inline), the classifier's references. A base whose fingerprint is
    /// unreadable, of another method or incomplete is a policy error located at that base. Catalogue bases are not
    /// among them: the classifier stays calibrated on the policy's own references (docs/classification.md), and
    /// catalogue bases serve the lineage test (<see cref="LoadSketches"/>).
    /// </summary>
    /// <exception cref="PolicyException">A base's fingerprint is invalid, or the policy has no base at all.</exception>
    public static IReadOnlyList<ReferenceBase> Load(PolicyDocument policy) =>
        policy.Bases.Where(b => b.Fingerprint is not CatalogueDocument).ToArray() is { Length: > 0 } bases
            ? bases.Select(b => Reference(policy, "base", b.Name, b.FamilyId, b.Fingerprint, b.Position)).ToArray()
            : throw new PolicyException(policy.Path, new SourcePosition(1, 1), "the policy has no base models"
                + (policy.Catalogue is null ? "" : " besides its catalogue's (which serve the lineage test, not the classifier)")
                + "; add one with 'tensorguard policy add-base', or write 'extends: default' to use TensorGuard's.");

    /// <summary>Reads the policy's labelled references that are not bases (<c>references:</c>), located like bases on error.</summary>
    /// <exception cref="PolicyException">A reference's fingerprint is invalid.</exception>
    public static IReadOnlyList<ReferenceBase> LoadLabelled(PolicyDocument policy) =>
        policy.References.Select(r => Reference(policy, "reference", r.Name, r.FamilyId, r.Fingerprint, r.Position) with { Lineage = null }).ToArray();

    /// <summary>
    /// The lineage sketches of every base that has one: from its fingerprint file or its built catalogue document.
    /// A catalogue base whose document is not built yet is listed as unavailable, not an error; a document that
    /// exists but is invalid, or records another repository, is.
    /// </summary>
    /// <exception cref="PolicyException">A fingerprint or catalogue document is invalid.</exception>
    public static LineageReferences LoadSketches(PolicyDocument policy, IReadOnlyList<ReferenceBase> references)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(references);
        var sketched = references.Where(b => b.Lineage is not null).Select(b => new SketchedBase(b.Name, b.Lineage!)).ToList();
        var unbuilt = new List<string>();
        foreach (PolicyBase model in policy.Bases)
        {
            if (model.Fingerprint is not CatalogueDocument document)
            {
                continue;
            }

            if (!File.Exists(document.FullPath))
            {
                unbuilt.Add(model.Name);
                continue;
            }

            if (RepositoryRoot.LinkLeavingRoot(policy.Root, document.FullPath) is { } link)
            {
                throw new PolicyException(document.Catalogue, model.Position, $"the document of '{model.Name}' goes through the link {link}, which leads outside {policy.Root}.");
            }

            try
            {
                CatalogueBaseDocument built = CatalogueBaseDocument.Read(document.FullPath);
                if (!string.Equals(built.Repo, document.Entry.Repo, StringComparison.OrdinalIgnoreCase))
                {
                    throw new InvalidInputException($"{document.FullPath}: records repository '{Formats.UntrustedText.Printable(built.Repo)}', not '{document.Entry.Repo}'; rebuild it with `tensorguard catalogue build --only {document.Entry.Id}`");
                }

                sketched.Add(new SketchedBase(model.Name, built.Fingerprint.Lineage
                    ?? throw new InvalidInputException($"{document.FullPath}: holds no {Fingerprints.Lineage.LineageSettings.MethodId} sketch; rebuild it with `tensorguard catalogue build --only {document.Entry.Id}`")));
            }
            catch (InvalidInputException error) when (error is not PolicyException)
            {
                throw new PolicyException(document.Catalogue, model.Position, $"base '{Formats.UntrustedText.Printable(model.Name)}': {error.Message}");
            }
        }

        return new LineageReferences(sketched, unbuilt);
    }

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

/// <summary>A base's lineage sketch, under the base's name in the policy.</summary>
public sealed record SketchedBase(string Name, LineageSketch Sketch);

/// <summary>The bases a lineage test can run against, and the catalogue bases it cannot run against yet.</summary>
/// <param name="Sketched">Bases with a sketch.</param>
/// <param name="Unbuilt">Catalogue bases whose document is not built: lineage is unavailable for them.</param>
public sealed record LineageReferences(IReadOnlyList<SketchedBase> Sketched, IReadOnlyList<string> Unbuilt);
