using TensorGuard.Core.Fingerprints.Lineage;
using TensorGuard.Core.Policy;

namespace TensorGuard.Core.Compliance;

/// <summary>
/// The rules applied to one artifact: compares what it declares with its detected lineage and with the licenses that
/// govern it (the detected base's, the declared bases', the declared one), and with what the organisation allows.
/// Severities come from the policy; exceptions are applied later by <see cref="ComplianceEvaluator"/>.
/// Findings that rest on a derivation are raised only when the lineage's evidence level reaches the policy's
/// <c>evidence:</c> (identical or derived by default); a resembled base raises one <c>lineage-unverified</c> instead.
/// </summary>
internal sealed class ArtifactRules(PolicyDocument policy, DeclaredIdentity declared, DetectedLineage lineage)
{
    private readonly List<Finding> _findings = [];
    private readonly IReadOnlyList<DeclaredBase> _declaredBases =
        (declared.BaseModels?.Value ?? []).Select(id => DeclaredBase.Resolve(id, policy)).ToArray();

    /// <summary>The declared <c>base_model</c> ids, resolved against the policy's bases, aliases, families and licenses.</summary>
    public IReadOnlyList<DeclaredBase> ResolvedDeclaredBases => _declaredBases;

    /// <summary>The licenses whose terms apply, in order: detected base, declared bases, declared license.</summary>
    public IReadOnlyList<LicenseTerms> Governing { get; } = GoverningLicenses(policy, declared, lineage);

    public IReadOnlyList<Finding> Apply()
    {
        ModelCardProblems();
        UnknownLineage();
        LineageUnverified();
        FamilyAllowed();
        LicenseConflict();
        foreach (LicenseTerms terms in Governing)
        {
            Naming(terms);
            Notices(terms.Notices, $"the {terms.Name}", GoverningEvidence(terms));
            LicenseAllowed(terms);
            Commercial(terms);
        }

        foreach (PolicyFamily family in GoverningFamilies())
        {
            Notices(family.Notices, $"the {family.DisplayName} family",
                DetectedFamilies.Contains(family.Id) ? lineage.Evidence : $"declared base model in the {family.DisplayName} family");
        }

        DeclaredLicenseAllowed();
        LicenseUnknown();
        HubBaseLicenseUnknown();
        BaseLicenseMismatch();
        UnverifiedHubBases();
        DeclaredBases();
        MergedBases();
        return _findings;
    }

    /// <summary>Whether the lineage's base is evidence enough, under the policy's <c>evidence:</c>, for findings that rest on a derivation.</summary>
    private bool Acting => Acts(policy, lineage);

    private string? LicenseOfDetected => Acting ? lineage.Base!.License : null;

    /// <summary>The detected family and those of the bases merged in, when the lineage acts.</summary>
    private IReadOnlyList<string> DetectedFamilies => !Acting || lineage.Family is null
        ? []
        : [lineage.Family, .. lineage.MergedFrom.Select(b => b.FamilyId)];

    private static bool Acts(PolicyDocument policy, DetectedLineage lineage) =>
        lineage.Base is not null && lineage.Level.AtLeast(policy.DerivationEvidence);

    private static IReadOnlyList<LicenseTerms> GoverningLicenses(PolicyDocument policy, DeclaredIdentity declared, DetectedLineage lineage)
    {
        IEnumerable<string?> ids = [
            Acts(policy, lineage) ? lineage.Base!.License : null,
            .. lineage.MergedFrom.Select(b => b.License),
            .. (declared.BaseModels?.Value ?? []).Select(id => DeclaredBase.Resolve(id, policy).License),
            declared.License?.Value,
        ];
        return ids.OfType<string>()
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Select(id => policy.Licenses.FirstOrDefault(l => string.Equals(l.Id, id, StringComparison.OrdinalIgnoreCase)))
            .OfType<LicenseTerms>()
            .ToArray();
    }

    private void ModelCardProblems()
    {
        foreach (DeclarationProblem problem in declared.Problems)
        {
            Add(RuleIds.ModelCard, problem.Problem,
                "Fix the model card: YAML front matter between --- lines declaring license, base_model and model_name.",
                evidence: null, problem.File, problem.Line);
        }
    }

    private void UnknownLineage()
    {
        if (lineage.Base is not null)
        {
            return;
        }

        Add(RuleIds.UnknownLineage, "no base model of the policy explains these weights",
            "If the model derives from a base the policy lacks, add that base (tensorguard policy add-base); "
            + "if it is original work, record an exception with the reason.",
            lineage.Evidence, null);
    }

    /// <summary>
    /// One <c>lineage-unverified</c> when the weights only resemble a base, and the policy would raise findings if
    /// they derived from it: it names the family, what would then apply, and how to prove or refute the derivation.
    /// Nothing is raised when derivation would change nothing (the card already declares that lineage and its terms).
    /// </summary>
    private void LineageUnverified()
    {
        if (Acting || lineage.Base is not { } resembled)
        {
            return;
        }

        var ifDerived = new ArtifactRules(policy with { DerivationEvidence = EvidenceLevel.Resembles }, declared, lineage);
        string[] wouldRaise = ifDerived.Apply()
            .Where(hypothetical => hypothetical.RuleId != RuleIds.LineageUnverified
                && !_findings.Any(actual => actual.RuleId == hypothetical.RuleId && actual.Message == hypothetical.Message))
            .Select(hypothetical => hypothetical.RuleId)
            .Distinct(StringComparer.Ordinal)
            .ToArray();
        if (wouldRaise.Length == 0)
        {
            return;
        }

        LicenseTerms? terms = resembled.License is { } id ? Terms(id) : null;
        var consequences = new List<string>();
        if (terms is not null)
        {
            consequences.Add($"it would be governed by {Describe(terms.Id)}");
            if (terms.NamePrefix is { } prefix)
            {
                consequences.Add($"its name would have to begin with \"{prefix}\"");
            }

            RequiredNotice[] notices = [.. terms.Notices, .. policy.Families.Where(f => f.Id == resembled.FamilyId).SelectMany(f => f.Notices)];
            if (notices.Length > 0)
            {
                consequences.Add("it would have to carry " + string.Join(" and ", notices.Select(n => $"\"{n.AnyOf[0]}\" ({PlaceText(n.Where)})")));
            }
        }

        string family = FamilyName(resembled.FamilyId);
        Add(RuleIds.LineageUnverified,
            $"resembles {resembled.Name} (the {family} family's architecture and statistics), but nothing proves its weights derive from it; "
            + $"if they did, {(consequences.Count > 0 ? string.Join(", ", consequences) + ", and " : string.Empty)}the policy would raise {string.Join(", ", wouldRaise)}",
            $"Prove or refute the derivation: add a lineage sketch of {resembled.Name} to the policy (tensorguard policy add-base BASE-WEIGHTS --family {resembled.FamilyId} --name NAME"
            + $"{(resembled.License is { } license ? $" --license {license}" : string.Empty)} --policy POLICY, with the base's own weights), "
            + "or name the base in base_model so it can be fetched from the Hub and tested. "
            + "An independently trained model of the same shapes is not a derivative; to act on resemblance alone set evidence: resembles in the policy (false errors on such models).",
            lineage.Evidence, null);
    }

    private void FamilyAllowed()
    {
        foreach (string family in DetectedFamilies.Distinct(StringComparer.Ordinal).Where(f => !policy.Organisation.AllowsFamily(f)))
        {
            Add(RuleIds.FamilyDenied, $"{Relation} the {FamilyName(family)} family, which the organisation does not allow",
                "Rebuild from a base of an allowed family, or change organisation.allowed-families / denied-families in the policy.",
                lineage.Evidence, null);
        }
    }

    private void LicenseConflict()
    {
        (string? required, string because) = RequiredLicense();
        if (required is null || string.Equals(required, declared.License?.Value, StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        LicenseTerms? terms = Terms(required);
        // Whether a license the policy does not describe allows relicensing is not known: license-unknown says so instead.
        if ((terms?.AllowsRelicensing == true && declared.License is not null) || (terms is null && FromHub))
        {
            return;
        }

        string declaredText = declared.License is { } license
            ? $"declares license {license.Value}{From(license.Source)}"
            : "declares no license";
        Add(RuleIds.LicenseConflict, $"{declaredText}, but {because}, which is licensed under {Describe(required)}",
            $"Declare license: {required} in the model card (a derivative keeps its base's license; a license the Hub does not list is "
            + $"written license: other with license_name: {required}), or rebuild from a base whose license allows the one you want.",
            LicenseOfDetected is null ? null : lineage.Evidence, declared.ModelCardPath, CardLine("license", declared.License?.Source));
    }

    private (string? License, string Because) RequiredLicense()
    {
        if (LicenseOfDetected is { } detected)
        {
            return (detected, $"{WeightsRelation} {lineage.Base!.Name} ({StrengthText})");
        }

        string[] declaredLicenses = _declaredBases.Select(b => b.License).OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        return declaredLicenses.Length == 1
            ? (declaredLicenses[0], $"its declared base {string.Join(", ", _declaredBases.Where(b => b.License is not null).Select(b => b.Id))}")
            : (null, string.Empty);
    }

    private void Naming(LicenseTerms terms)
    {
        if (terms.NamePrefix is not { } prefix)
        {
            return;
        }

        string name = declared.Name.Value;
        string bareName = name.Contains('/', StringComparison.Ordinal) ? name[(name.LastIndexOf('/') + 1)..] : name;
        if (bareName.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        Add(RuleIds.Naming,
            $"name \"{Formats.UntrustedText.Printable(bareName)}\"{From(declared.Name.Source)} does not begin with \"{prefix}\", as the {terms.Name} requires of derivatives",
            $"Rename the model so that its name begins with \"{prefix}\" (e.g. \"{prefix}-{Formats.UntrustedText.Printable(bareName)}\") and set model_name in the model card.",
            GoverningEvidence(terms), declared.ModelCardPath, CardLine("model_name", declared.Name.Source));
    }

    private IEnumerable<PolicyFamily> GoverningFamilies()
    {
        IEnumerable<string?> ids = [.. DetectedFamilies, .. _declaredBases.Select(b => b.Family)];
        return ids.OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .Select(id => policy.Families.FirstOrDefault(f => f.Id == id))
            .OfType<PolicyFamily>();
    }

    private void Notices(IReadOnlyList<RequiredNotice> notices, string requiredBy, string? evidence)
    {
        foreach (RequiredNotice notice in notices)
        {
            if (notice.AnyOf.Any(text => declared.Documents.Find(text, notice.Where) is not null))
            {
                continue;
            }

            string texts = string.Join(" or ", notice.AnyOf.Select(text => $"\"{text}\""));
            Add(RuleIds.NoticeMissing, $"{requiredBy} requires {texts} in {PlaceText(notice.Where)}; it is not there",
                notice.Where switch
                {
                    NoticePlace.ModelCard => $"Add {texts} to the model card (README.md next to the weights).",
                    NoticePlace.NoticeFile => $"Ship a NOTICE file next to the weights that contains {texts}.",
                    NoticePlace.LicenseFile => $"Ship a LICENSE file next to the weights that contains {texts}.",
                    _ => $"Add {texts} to the model card or a NOTICE file next to the weights.",
                },
                evidence, notice.Where == NoticePlace.ModelCard ? declared.ModelCardPath : null);
        }
    }

    private void LicenseAllowed(LicenseTerms terms)
    {
        if (!policy.Organisation.AllowsLicense(terms.Id))
        {
            Add(RuleIds.LicenseDenied, $"is governed by {Describe(terms.Id)}, which the organisation does not allow",
                "Rebuild from a base under an allowed license, or change organisation.allowed-licenses / denied-licenses in the policy.",
                GoverningEvidence(terms), declared.ModelCardPath, CardLine("license", declared.License?.Source));
        }
    }

    private void DeclaredLicenseAllowed()
    {
        // A declared license the policy has no terms for is not among Governing, but the organisation may still deny it.
        if (declared.License is { } license && Terms(license.Value) is null && !policy.Organisation.AllowsLicense(license.Value))
        {
            Add(RuleIds.LicenseDenied, $"declares license {license.Value}{From(license.Source)}, which the organisation does not allow",
                "Distribute the model under an allowed license, or change organisation.allowed-licenses / denied-licenses in the policy.",
                null, declared.ModelCardPath, CardLine("license", license.Source));
        }
    }

    /// <summary>A declared license the policy has no terms for, or none at all: nothing about it was checked, so it must not read as compliant.</summary>
    private void LicenseUnknown()
    {
        string known = KnownLicenses;
        if (declared.License is not { } license)
        {
            Add(RuleIds.LicenseUnknown, "declares no license, so nothing says what the weights may be used for",
                $"Declare license: with a Hub license id in the model card's front matter (or license: other with license_name), or set license: in the policy's models: entry; the policy knows {known}.",
                null, declared.ModelCardPath);
            return;
        }

        if (Terms(license.Value) is null)
        {
            Add(RuleIds.LicenseUnknown, $"declares license {Formats.UntrustedText.Printable(license.Value)}{From(license.Source)}, which the policy's licenses do not describe, so its terms were not checked",
                $"Add {Formats.UntrustedText.Printable(license.Value)} to the policy's licenses: with its terms (commercial, name-prefix, notices), or correct the declared license; the policy knows {known}.",
                null, declared.ModelCardPath, CardLine("license", license.Source));
        }
    }

    private void Commercial(LicenseTerms terms)
    {
        if (policy.Organisation.Commercial && !terms.Commercial)
        {
            Add(RuleIds.NonCommercial,
                $"is governed by {Describe(terms.Id)}, which does not allow commercial use, and the policy says models ship commercially (organisation.commercial: true)",
                "Rebuild from a base whose license allows commercial use, or obtain a commercial license and record an exception with its reference.",
                GoverningEvidence(terms), declared.ModelCardPath, CardLine("license", declared.License?.Source));
        }
    }

    private void DeclaredBases()
    {
        // A declared base the lineage test refutes is the mismatch (a policy base only while no other base is proven:
        // then the mismatch below names the proven one).
        if (RefutedDeclaredBases())
        {
            return;
        }

        if (!Acting || lineage.Base is not { } detected)
        {
            return;
        }

        if (_declaredBases.Count == 0)
        {
            Add(RuleIds.UndeclaredBase, $"{Relation} {detected.Name} ({StrengthText}) but declares no base model",
                $"Declare base_model: {HubId(detected)} (or the Hub id of the checkpoint you started from) in the model card.",
                lineage.Evidence, declared.ModelCardPath);
            return;
        }

        bool sameBase = _declaredBases.Any(b => b.Base == detected || (FromHub && string.Equals(b.Id, detected.Name, StringComparison.OrdinalIgnoreCase)));
        bool sameFamily = _declaredBases.Any(b => b.Base is null && string.Equals(b.Family, lineage.Family, StringComparison.Ordinal))
            || (!lineage.Level.ProvesDerivation() && _declaredBases.Any(b => string.Equals(b.Family, lineage.Family, StringComparison.Ordinal)));
        if (sameBase || sameFamily)
        {
            return;
        }

        string declaredList = string.Join(", ", _declaredBases.Select(b => Formats.UntrustedText.Printable(b.Id)));
        if (_declaredBases.Any(b => b.IsKnown))
        {
            string families = string.Join(", ", _declaredBases.Where(b => b.IsKnown).Select(b => b.Base?.Name ?? FamilyName(b.Family ?? "?")));
            // Only the classifier contradicting a declared base is at most a warning: shapes never prove derivation.
            Add(RuleIds.BaseMismatch, $"declares base model {declaredList} ({families}), but {WeightsRelation} {detected.Name} ({StrengthText})",
                $"Declare base_model: {HubId(detected)} (the checkpoint it really derives from), or rebuild from the declared base.",
                lineage.Evidence, declared.ModelCardPath, CardLine("base_model", declared.BaseModels?.Source),
                atMost: lineage.Level.ProvesDerivation() ? null : Severity.Warning);
        }
        else
        {
            Add(RuleIds.UndeclaredBase, $"declares base model {declaredList}, which the policy does not know; {WeightsRelation} {detected.Name} ({StrengthText})",
                $"List {HubId(detected)} in base_model too, or add the declared id to the {FamilyName(lineage.Family ?? detected.FamilyId)} family's covers (or a base's aliases) in the policy.",
                lineage.Evidence, declared.ModelCardPath, CardLine("base_model", declared.BaseModels?.Source));
        }
    }

    /// <summary>An <c>undeclared-base</c> for every base of another family merged in that the card does not declare.</summary>
    private void MergedBases()
    {
        foreach (PolicyBase merged in lineage.MergedFrom.Where(b => !_declaredBases.Any(d => d.Base == b || (d.Base is null && d.Family == b.FamilyId))))
        {
            Add(RuleIds.UndeclaredBase, $"also derives from {merged.Name} (proven by the lineage test: a merge across families) but does not declare it",
                $"List every merged model in base_model (base_model: [{HubId(lineage.Base!)}, {HubId(merged)}]) and set base_model_relation: merge.",
                lineage.Evidence, declared.ModelCardPath, CardLine("base_model", declared.BaseModels?.Source));
        }
    }

    /// <summary>
    /// A <c>base-mismatch</c> for every declared base the lineage test found the weights not derived from: a policy
    /// base, or a base the policy does not list, tested against its sketch read from the Hub. Adapters count too: the
    /// gate analyses an adapter only merged into its base weights, which must derive from the declared base. A merge's
    /// smaller shares can read as not derived (the evidence falls with the square of the share), so when the card
    /// declares a merge the finding is at most a warning.
    /// </summary>
    /// <returns>Whether any was found.</returns>
    private bool RefutedDeclaredBases()
    {
        bool merge = _declaredBases.Count > 1 || string.Equals(declared.BaseModelRelation, "merge", StringComparison.OrdinalIgnoreCase);
        bool found = false;
        foreach (DeclaredBase claimed in _declaredBases.DistinctBy(b => b.Base?.Name ?? b.Id, StringComparer.OrdinalIgnoreCase))
        {
            HubBaseReading? reading = lineage.Source.HubBases.FirstOrDefault(r => r.Problem is null && string.Equals(r.Id, claimed.Id, StringComparison.OrdinalIgnoreCase));
            string? tested = claimed.Base?.Name ?? reading?.Name;
            // Derivation proven from a policy base settles what a policy base's refutation would say (DeclaredBases names it).
            if (tested is null || (claimed.Base is not null && lineage.Level.ProvesDerivation()))
            {
                continue;
            }

            LineageTest? test = lineage.Source.Tests.FirstOrDefault(t =>
                t.Verdict == LineageVerdict.NotDerived && string.Equals(t.Base, tested, StringComparison.OrdinalIgnoreCase));
            if (test is null)
            {
                continue;
            }

            found = true;
            string against = claimed.Base is { } listed ? listed.Name : $"its weights as read from the Hub at {reading!.Reference}";
            Add(RuleIds.BaseMismatch,
                $"declares base model {Formats.UntrustedText.Printable(claimed.Id)} ({against}), but the lineage test finds its weights are not derived from it"
                + (merge ? "; the card declares a merge, whose smaller shares can read as not derived, so this is at most a warning" : string.Empty),
                "Declare in base_model the checkpoint the weights really come from (none if the model was trained from scratch); "
                + "if they do come from the declared base, report a false positive with the evidence.",
                DetectedLineage.Describe(test), declared.ModelCardPath, CardLine("base_model", declared.BaseModels?.Source),
                atMost: merge ? Severity.Warning : null);
        }

        return found;
    }

    /// <summary>The license ids the policy describes, for fixes that ask to add one.</summary>
    private string KnownLicenses => policy.Licenses.Count == 0 ? "the policy lists none; add licenses: or extends: default" : string.Join(", ", policy.Licenses.Select(l => l.Id));

    /// <summary>Whether the detected base is one the policy does not list, proven against its sketch read from the Hub.</summary>
    private bool FromHub => lineage.Base?.Fingerprint is HubSketch;

    /// <summary>
    /// The license a proven base from the Hub declares on its own card governs through the policy's license facts;
    /// when the policy does not describe it, or the card declares none, nothing about its terms was checked
    /// (<c>license-unknown</c>), and an organisation that lists the licenses it allows or denies still decides.
    /// </summary>
    private void HubBaseLicenseUnknown()
    {
        if (!Acting || !FromHub || lineage.Base is not { } proven || (proven.License is { } described && Terms(described) is not null))
        {
            return;
        }

        HubBaseReading reading = lineage.Source.HubBases.First(r => string.Equals(r.Name, proven.Name, StringComparison.OrdinalIgnoreCase));
        string card = $"the model card of {reading.Reference} {reading.CardLicenseText}";
        string known = KnownLicenses;
        Add(RuleIds.LicenseUnknown,
            $"{WeightsRelation} {Formats.UntrustedText.Printable(proven.Name)} ({StrengthText}), a base the policy does not list, and {card}"
            + (proven.License is null ? ", so nothing says what obligations it passes on" : ", which the policy's licenses do not describe, so its terms were not checked"),
            proven.License is { } license
                ? $"Add {Formats.UntrustedText.Printable(license)} to the policy's licenses: with its terms (commercial, name-prefix, notices), or add the base to the policy with the license that applies (tensorguard policy add-base hf://{Formats.UntrustedText.Printable(proven.Name)} --license ID); the policy knows {known}."
                : $"Find the base's license and add the base to the policy with it (tensorguard policy add-base hf://{Formats.UntrustedText.Printable(proven.Name)} --license ID); the policy knows {known}.",
            lineage.Evidence, declared.ModelCardPath, CardLine("base_model", declared.BaseModels?.Source));
        if (proven.License is { } undescribed && !policy.Organisation.AllowsLicense(undescribed))
        {
            Add(RuleIds.LicenseDenied, $"{WeightsRelation} {Formats.UntrustedText.Printable(proven.Name)} ({StrengthText}), and {card}, which the organisation does not allow",
                "Rebuild from a base under an allowed license, or change organisation.allowed-licenses / denied-licenses in the policy.",
                lineage.Evidence, declared.ModelCardPath, CardLine("base_model", declared.BaseModels?.Source));
        }
    }

    /// <summary>
    /// A <c>base-license-mismatch</c> for every declared base read from the Hub whose own card declares another license
    /// than the policy's facts give it (its base entry, or the license whose covers place it). The policy's facts stay
    /// in force: the finding names both sources so one of them can be corrected. A card that declares no license, or
    /// only <c>other</c>, contradicts nothing.
    /// </summary>
    private void BaseLicenseMismatch()
    {
        foreach (HubBaseReading reading in lineage.Source.HubBases)
        {
            DeclaredBase claimed = DeclaredBase.Resolve(reading.Id, policy);
            if (reading.IdentifiedLicense is not { } card || claimed.License is not { } facts || string.Equals(card, facts, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            string where = claimed.Base is { } listed ? $"its base entry {listed.Name}" : "the covers of its licenses: entry";
            Add(RuleIds.BaseLicenseMismatch,
                $"declares base model {Formats.UntrustedText.Printable(reading.Id)}, which the policy licenses under {Describe(facts)} ({where}), "
                + $"but the base's own model card at {reading.Reference} declares {Describe(card)}; the policy's license facts were applied",
                $"Check the base's license: if its card is right, correct the policy ({where}: license: {Formats.UntrustedText.Printable(card)}); "
                + "if the policy is right (a separate agreement, a card out of date), record an exception for base-license-mismatch with the reason.",
                $"model card of {reading.Reference}: license {Formats.UntrustedText.Printable(reading.License!)}; policy: {facts}",
                policy.Path, claimed.Base?.Position.Line is { } line and > 0 ? (int)line : null);
        }
    }

    /// <summary>
    /// A <c>lineage-unverified</c> for every declared base the policy does not list that could not be read from the Hub
    /// (offline, gated, not found, no readable weights): the declaration was not verified, and the license obligations
    /// of the base were not checked.
    /// </summary>
    private void UnverifiedHubBases()
    {
        foreach (HubBaseReading reading in lineage.Source.HubBases.Where(r => r.Problem is not null && DeclaredBase.Resolve(r.Id, policy).Base is null))
        {
            Add(RuleIds.LineageUnverified,
                $"declares base model {Formats.UntrustedText.Printable(reading.Id)}, which the policy does not list, and it {reading.Problem}: "
                + "the declaration is not verified and the base's license obligations were not checked",
                "If the base is gated or private, set HF_TOKEN (the action's hf-token input) to a token that has been granted access on the model's page; "
                + $"if the id is wrong, correct base_model; or add the base to the policy (tensorguard policy add-base hf://{Formats.UntrustedText.Printable(reading.Id)} --license ID).",
                reading.Problem, declared.ModelCardPath, CardLine("base_model", declared.BaseModels?.Source));
        }
    }

    private static string HubId(PolicyBase model) => model.Aliases.FirstOrDefault() ?? model.Name;

    private string StrengthText => lineage.Level switch
    {
        EvidenceLevel.Identical => "proven by byte identity",
        EvidenceLevel.Derived => "proven by the lineage test",
        _ => "classifier only, acted on because the policy sets evidence: resembles",
    };

    /// <summary>"derives from" when proven, "resembles" otherwise: no finding may claim derivation on the classifier's word.</summary>
    private string Relation => lineage.Level.ProvesDerivation() ? "derives from" : "resembles";

    /// <summary>The subject and verb a finding states the lineage with.</summary>
    private string WeightsRelation => lineage.Level.ProvesDerivation() ? "its weights derive from" : "its weights resemble";

    private string? GoverningEvidence(LicenseTerms terms)
    {
        if (string.Equals(terms.Id, LicenseOfDetected, StringComparison.OrdinalIgnoreCase)
            || lineage.MergedFrom.Any(b => string.Equals(terms.Id, b.License, StringComparison.OrdinalIgnoreCase)))
        {
            return lineage.Evidence;
        }

        DeclaredBase? viaBase = _declaredBases.FirstOrDefault(b => string.Equals(b.License, terms.Id, StringComparison.OrdinalIgnoreCase));
        return viaBase is not null
            ? $"declared base model {Formats.UntrustedText.Printable(viaBase.Id)} is licensed under {terms.Id}"
            : $"declared license {terms.Id}{From(declared.License!.Source)}";
    }

    private LicenseTerms? Terms(string id) => policy.Licenses.FirstOrDefault(l => string.Equals(l.Id, id, StringComparison.OrdinalIgnoreCase));

    private string Describe(string licenseId) => Terms(licenseId) is { } terms ? $"{terms.Id} ({terms.Name})" : licenseId;

    private string FamilyName(string family) =>
        policy.Families.FirstOrDefault(f => string.Equals(f.Id, family, StringComparison.Ordinal))?.DisplayName ?? family;

    private static string From(DeclarationSource source) => source switch
    {
        DeclarationSource.Override => " (override)",
        DeclarationSource.Policy => " (from the policy's models entry)",
        DeclarationSource.FileName => " (taken from the file name; the model card declares none)",
        DeclarationSource.FileMetadata => " (declared in the weights file's metadata; the model card declares none)",
        _ => string.Empty,
    };

    private static string PlaceText(NoticePlace place) => place switch
    {
        NoticePlace.ModelCard => "the model card",
        NoticePlace.NoticeFile => "a NOTICE file",
        NoticePlace.LicenseFile => "a LICENSE file",
        _ => "the model card or a NOTICE file",
    };

    /// <summary>The model card line declaring <paramref name="key"/>, when the value in force came from the card.</summary>
    private int? CardLine(string key, DeclarationSource? source) =>
        source == DeclarationSource.ModelCard && declared.ModelCardLines.TryGetValue(key, out int line) ? line : null;

    private void Add(string ruleId, string message, string fix, string? evidence, string? file, int? line = null, Severity? atMost = null)
    {
        if (policy.Rules.SeverityOf(ruleId) is { } severity)
        {
            Severity capped = atMost is { } cap && cap < severity ? cap : severity;
            _findings.Add(new Finding(ruleId, capped, message, fix, evidence, file) { Line = file is null ? null : line });
        }
    }
}
