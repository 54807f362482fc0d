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

    /// <summary>Every labelled reference that is not a base, in file order.</summary>
    public IEnumerable<PolicyReference> References => Families.SelectMany(family => family.References);

    /// <summary>What licenses demand of derivatives (<c>licenses:</c>).</summary>
    public IReadOnlyList<LicenseTerms> Licenses { get; init; } = [];

    /// <summary>What the organisation allows (<c>organisation:</c>).</summary>
    public OrganisationSettings Organisation { get; init; } = OrganisationSettings.Default;

    /// <summary>Rule severities (<c>rules:</c>).</summary>
    public RuleSettings Rules { get; init; } = RuleSettings.Default;

    /// <summary>The lowest severity that fails a check (<c>fail-on:</c>); the command line may override it.</summary>
    public FailOn FailOn { get; init; } = FailOn.Error;

    /// <summary>Accepted findings (<c>exceptions:</c>).</summary>
    public IReadOnlyList<PolicyExemption> Exemptions { get; init; } = [];

    /// <summary>Artifacts to check when the command line names none (<c>models:</c>).</summary>
    public IReadOnlyList<ModelSelection> Models { get; init; } = [];

    /// <summary>
    /// The weakest evidence findings that rest on a derivation are raised on (<c>evidence:</c>): <see cref="Compliance.EvidenceLevel.Derived"/>
    /// by default; <see cref="Compliance.EvidenceLevel.Resembles"/> deliberately lets the classifier alone raise them (false positives on
    /// independent models of a family's shapes); <see cref="Compliance.EvidenceLevel.Identical"/> only byte identity.
    /// </summary>
    public Compliance.EvidenceLevel DerivationEvidence { get; init; } = Compliance.EvidenceLevel.Derived;

    /// <summary>The families written in this file itself, without those <c>extends:</c> brought in (what an editor may change).</summary>
    public IReadOnlyList<PolicyFamily> LocalFamilies
    {
        get => _localFamilies ?? Families;
        init => _localFamilies = value;
    }

    private readonly IReadOnlyList<PolicyFamily>? _localFamilies;

    /// <summary>The bundled default policy, used because the repository has none (see <see cref="PolicyDiscovery"/>).</summary>
    public bool Bundled { get; init; }

    /// <summary>
    /// Whether the gate may read declared bases from the Hugging Face Hub to verify them (<c>hub: on</c>, the default;
    /// <c>hub: off</c> keeps the gate offline).
    /// </summary>
    public bool Hub { get; init; } = true;

    /// <summary>The base catalogue named by <c>catalogue:</c>, whose entries are among <see cref="Bases"/>; null when none.</summary>
    public BaseCatalogue? Catalogue { get; init; }
}

/// <summary>A model family (e.g. Llama) and the base models that stand for it.</summary>
public sealed record PolicyFamily(string Id, string DisplayName, IReadOnlyList<PolicyBase> Bases, SourcePosition Position)
{
    /// <summary>Hub id patterns of models in this family, to place declared base models that are not bases.</summary>
    public IReadOnlyList<string> Covers { get; init; } = [];

    /// <summary>Notices every derivative of the family must carry, whatever its license (e.g. a licensor's copyright line).</summary>
    public IReadOnlyList<RequiredNotice> Notices { get; init; } = [];

    /// <summary>Further labelled fingerprints of the family (<c>references:</c>), compared by the classifier but never bases.</summary>
    public IReadOnlyList<PolicyReference> References { get; init; } = [];
}

/// <summary>
/// A labelled fingerprint of a model in a family that is not a base (for example a published fine-tune): the
/// classifier compares with it, but it is never tested for lineage and carries no license.
/// </summary>
public sealed record PolicyReference(string Name, string FamilyId, BaseFingerprintSource Fingerprint, SourcePosition Position);

/// <summary>A published base model: the classifier's labelled reference for its family.</summary>
public sealed record PolicyBase(
    string Name,
    string FamilyId,
    string? Version,
    string? License,
    BaseFingerprintSource Fingerprint,
    SourcePosition Position)
{
    /// <summary>Hub ids that name this base in a model card's <c>base_model</c> (e.g. <c>meta-llama/Llama-3.1-8B</c>).</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [];
}

/// <summary>Where a base model's fingerprint comes from.</summary>
public abstract record BaseFingerprintSource;

/// <summary>A fingerprint file, already resolved to a full path inside the policy's root.</summary>
/// <param name="FullPath">The file to read.</param>
/// <param name="Written">The reference as written in the policy, for messages.</param>
public sealed record FingerprintFile(string FullPath, string Written) : BaseFingerprintSource;

/// <summary>
/// A catalogue entry's document (<c>tensorguard catalogue build</c>). Unlike a <see cref="FingerprintFile"/> it may not
/// exist yet: a base whose document is not built has no lineage sketch, which reports say, and is not an error.
/// </summary>
/// <param name="FullPath">Where the document is, or will be once built.</param>
/// <param name="Catalogue">The catalogue file, for messages.</param>
/// <param name="Entry">The catalogue entry.</param>
public sealed record CatalogueDocument(string FullPath, string Catalogue, CatalogueEntry Entry) : BaseFingerprintSource;

/// <summary>Feature values written in the policy itself (the reference's flat feature names).</summary>
public sealed record InlineFeatures(IReadOnlyDictionary<string, double> Features) : BaseFingerprintSource;

/// <summary>
/// A base the policy does not list, sketched from the Hub by the gate because a model card declared it; never written
/// in a policy, only the base of a lineage the gate proved against it.
/// </summary>
/// <param name="Reference">The repository at the commit that was sketched (<c>hf://ORG/NAME@COMMIT</c>).</param>
public sealed record HubSketch(string Reference) : BaseFingerprintSource;
