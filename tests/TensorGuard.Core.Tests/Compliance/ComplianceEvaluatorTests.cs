using TensorGuard.Core.Compliance;
using TensorGuard.Core.Fingerprints.Lineage;
using TensorGuard.Core.Policy;

namespace TensorGuard.Core.Tests.Compliance;

public sealed class ComplianceEvaluatorTests
{
    private static readonly DateOnly Today = new(2026, 11, 26);

    private static CheckResult Check(PolicyDocument policy, DeclaredIdentity declared, LineageEvidence evidence, FailOn failOn = FailOn.Error)
    {
        var evaluator = new ComplianceEvaluator(policy, Today);
        return evaluator.Complete([evaluator.Evaluate("models/x", declared, evidence)], [], selectionIncomplete: false, failOn);
    }

    private static string[] Rules(CheckResult result) =>
        result.Artifacts.Single().Findings.Where(f => f.IsActive).Select(f => f.RuleId).Order(StringComparer.Ordinal).ToArray();

    private static DeclaredIdentity CompliantLlama() => GatePolicies.Declared("Llama-Acme-8B", "llama3.1", ["meta-llama/Llama-3.1-8B"],
        card: "Built with Llama", notice: "Llama 3.1 is licensed under the Llama 3.1 Community License, Copyright © Meta Platforms, Inc.");

    [Fact]
    public void Evaluate_CompliantLlamaDerivative_PassesWithReminders()
    {
        CheckResult result = Check(GatePolicies.Load(), CompliantLlama(), GatePolicies.DerivedFrom("Llama-3.1-8B", "llama"));

        Assert.Equal(Verdict.Pass, result.Verdict);
        ArtifactResult artifact = result.Artifacts.Single();
        Assert.Equal(ArtifactStatus.Compliant, artifact.Status);
        Assert.Empty(artifact.Findings);
        Assert.Equal(EvidenceLevel.Derived, artifact.Detected!.Level);
        Assert.Contains(artifact.Reminders, r => r.Contains("700 million", StringComparison.Ordinal));
    }

    [Fact]
    public void Evaluate_LlamaRenamedAndRelicensedAsApache_FailsWithEvidence()
    {
        DeclaredIdentity declared = GatePolicies.Declared("Acme-Chat-8B", "apache-2.0", ["meta-llama/Llama-3.1-8B"]);

        CheckResult result = Check(GatePolicies.Load(), declared, GatePolicies.DerivedFrom("Llama-3.1-8B", "llama"));

        Assert.Equal(Verdict.Fail, result.Verdict);
        Assert.Equal(["license-conflict", "naming", "notice-missing", "notice-missing"], Rules(result));
        Finding conflict = result.Artifacts.Single().Findings.First(f => f.RuleId == RuleIds.LicenseConflict);
        Assert.Contains("apache-2.0", conflict.Message);
        Assert.Contains("llama3.1", conflict.Fix);
        Assert.Contains("p < 1e-6", conflict.Evidence);
        Assert.Contains("similarity 0.970", conflict.Evidence);
        Assert.Equal(1 + 1 + 2, result.Violations);
    }

    [Fact]
    public void Evaluate_QwenResearchDerivativeInCommercialProduct_IsNonCommercial()
    {
        DeclaredIdentity declared = GatePolicies.Declared("Acme-Support-3B", "qwen-research", ["Qwen/Qwen2.5-3B"], card: "Built with Qwen");

        CheckResult result = Check(GatePolicies.Load(), declared, GatePolicies.DerivedFrom("Qwen2.5-3B", "qwen"));

        Assert.Equal(["non-commercial"], Rules(result));
    }

    [Fact]
    public void Evaluate_LineageRefutesNearestBase_IsUnknownLineageWithoutLicenseFindings()
    {
        var evidence = new LineageEvidence(new NearestBase("Llama-3.1-8B", "llama", 0.2, 3, Unknown: false),
            [new LineageTest("Llama-3.1-8B", LineageVerdict.NotDerived, 0.01, -0.2)]);

        CheckResult result = Check(GatePolicies.Load(), GatePolicies.Declared("Acme-Original", "apache-2.0", null), evidence);

        Assert.Equal(["unknown-lineage"], Rules(result));
        Assert.Contains("not derived", result.Artifacts.Single().Findings.Single().Evidence);
        Assert.Equal(Verdict.Pass, result.Verdict);
    }

    [Fact]
    public void Evaluate_LineageContradictsClassifier_LineageWinsAndTheEvidenceSaysSo()
    {
        var evidence = new LineageEvidence(new NearestBase("Mistral-7B-v0.1", "mistral", 0.3, 3, Unknown: false),
        [
            new LineageTest("Mistral-7B-v0.1", LineageVerdict.NotDerived, 0.02, -0.1),
            new LineageTest("Llama-3.1-8B", LineageVerdict.Derived, 0.91, -40),
        ]);

        CheckResult result = Check(GatePolicies.Load(), GatePolicies.Declared("Acme-7B", "apache-2.0", ["mistralai/Mistral-7B-v0.1"]), evidence);

        DetectedLineage detected = result.Artifacts.Single().Detected!;
        Assert.Equal(EvidenceLevel.Derived, detected.Level);
        Assert.Equal("Llama-3.1-8B", detected.Base!.Name);
        Assert.Contains("classifier: resembles Mistral-7B-v0.1", detected.Evidence);
        Assert.Contains("which the lineage test overrules", detected.Evidence);
        Assert.Contains("base-mismatch", Rules(result));
        Assert.Contains("license-conflict", Rules(result));
    }

    [Fact]
    public void Evaluate_LineageInconclusiveForNearestBase_StaysLikelyAndSaysInconclusive()
    {
        var evidence = new LineageEvidence(new NearestBase("Mistral-7B-v0.1", "mistral", 0.3, 3, Unknown: false),
            [new LineageTest("Mistral-7B-v0.1", LineageVerdict.Inconclusive, 0.2, -4.5)]);

        CheckResult result = Check(GatePolicies.Load(), GatePolicies.Declared("Acme-7B", "apache-2.0", ["mistralai/Mistral-7B-v0.1"]), evidence);

        DetectedLineage detected = result.Artifacts.Single().Detected!;
        Assert.Equal(EvidenceLevel.Resembles, detected.Level);
        Assert.Equal(LineageVerdict.Inconclusive, detected.Test!.Verdict);
        Assert.Contains("lineage test against Mistral-7B-v0.1 inconclusive (similarity 0.200, p = 3.2e-5)", detected.Evidence);
        Assert.Contains("lineage inconclusive", Core.Reporting.ReportText.Detected(detected));
        Assert.Empty(Rules(result));
    }

    [Fact]
    public void Evaluate_LookAlikeNotDerivedFromAnyBase_IsNotDerivedAndNamesTheFamilyItResembles()
    {
        var evidence = new LineageEvidence(new NearestBase("Llama-3.1-8B", "llama", 0.2, 3, Unknown: false),
        [
            new LineageTest("Llama-3.1-8B", LineageVerdict.NotDerived, 0.04, 0),
            new LineageTest("Mistral-7B-v0.1", LineageVerdict.NotDerived, 0.03, 0),
        ]);

        CheckResult result = Check(GatePolicies.Load(), GatePolicies.Declared("Acme-Original", "apache-2.0", null), evidence);

        DetectedLineage detected = result.Artifacts.Single().Detected!;
        Assert.Equal(EvidenceLevel.NotDerived, detected.Level);
        Assert.Null(detected.Family);
        Assert.Contains("the same architecture as the Llama family, not its weights", detected.Evidence);
        Assert.StartsWith("not-derived: the architecture of Llama-3.1-8B, not its weights", Core.Reporting.ReportText.Detected(detected), StringComparison.Ordinal);
        Assert.Equal(["unknown-lineage"], Rules(result));
    }

    [Fact]
    public void Evaluate_ClassifierUnknownAndLineageInconclusive_ReportsBoth()
    {
        var evidence = new LineageEvidence(new NearestBase("Qwen2.5-3B", "qwen", 9, 3, Unknown: true),
        [
            new LineageTest("Qwen2.5-3B", LineageVerdict.Inconclusive, 0.3, -5),
            new LineageTest("Llama-3.1-8B", LineageVerdict.NotDerived, 0.01, 0),
        ]);

        CheckResult result = Check(GatePolicies.Load(), GatePolicies.Declared("Acme", "apache-2.0", null), evidence);

        DetectedLineage detected = result.Artifacts.Single().Detected!;
        Assert.Equal(EvidenceLevel.Inconclusive, detected.Level);
        Assert.Contains("too far to belong to it", detected.Evidence);
        Assert.Contains("lineage test against Qwen2.5-3B inconclusive", detected.Evidence);
        Assert.DoesNotContain("Llama", detected.Evidence);
    }

    [Theory]
    [InlineData(null, new[] { "base-mismatch", "unknown-lineage" })]
    [InlineData("adapter", new[] { "base-mismatch", "unknown-lineage" })]
    public void Evaluate_DeclaredBaseRefutedByLineage_IsBaseMismatchAlsoForAnAdapter(string? relation, string[] rules)
    {
        var evidence = new LineageEvidence(new NearestBase("Mistral-7B-v0.1", "mistral", 8, 3, Unknown: true),
            [new LineageTest("Mistral-7B-v0.1", LineageVerdict.NotDerived, 0.03, 0)]);
        DeclaredIdentity declared = GatePolicies.Declared("Mistral-Lookalike", "apache-2.0", ["mistralai/Mistral-7B-v0.1"]) with { BaseModelRelation = relation };

        CheckResult result = Check(GatePolicies.Load(), declared, evidence);

        Assert.Equal(rules, Rules(result));
        Finding mismatch = result.Artifacts.Single().Findings.Single(f => f.RuleId == RuleIds.BaseMismatch);
        Assert.Contains("not derived from it", mismatch.Message);
        Assert.Equal("lineage: not derived from Mistral-7B-v0.1 (similarity 0.030, p = 1)", mismatch.Evidence);
    }

    [Fact]
    public void Evaluate_ProvenDerivationFromAnotherBase_IsOneBaseMismatch()
    {
        var evidence = new LineageEvidence(null,
        [
            new LineageTest("Mistral-7B-v0.1", LineageVerdict.NotDerived, 0.03, 0),
            new LineageTest("Llama-3.1-8B", LineageVerdict.Derived, 0.95, -30),
        ]);
        DeclaredIdentity declared = CompliantLlama() with
        {
            BaseModels = new DeclaredValue<IReadOnlyList<string>>(["mistralai/Mistral-7B-v0.1"], DeclarationSource.ModelCard),
        };

        CheckResult result = Check(GatePolicies.Load(), declared, evidence);

        Assert.Equal(["base-mismatch"], Rules(result));
        Assert.Contains("its weights derive from Llama-3.1-8B", result.Artifacts.Single().Findings.Single().Message);
    }

    [Fact]
    public void Evaluate_UndeclaredMergeAcrossFamilies_BothLicensesGovernAndTheMergedBaseIsUndeclared()
    {
        var evidence = new LineageEvidence(null,
        [
            new LineageTest("Llama-3.1-8B", LineageVerdict.Derived, 0.8, -40),
            new LineageTest("Qwen2.5-3B", LineageVerdict.Derived, 0.5, -20),
            new LineageTest("Mistral-7B-v0.1", LineageVerdict.NotDerived, 0.02, 0),
        ]);

        CheckResult result = Check(GatePolicies.Load(), CompliantLlama(), evidence);

        DetectedLineage detected = result.Artifacts.Single().Detected!;
        Assert.Equal("Llama-3.1-8B", detected.Base!.Name);
        Assert.Equal(["Qwen2.5-3B"], detected.MergedFrom.Select(b => b.Name));
        Assert.Contains("also lineage: derived from Qwen2.5-3B", detected.Evidence);
        Assert.Equal(["non-commercial", "notice-missing", "undeclared-base"], Rules(result));
        Assert.Contains("also derives from Qwen2.5-3B", result.Artifacts.Single().Findings.Single(f => f.RuleId == RuleIds.UndeclaredBase).Message);
    }

    [Fact]
    public void Evaluate_ModelCardFindings_PointAtTheDeclaringLine()
    {
        DeclaredIdentity declared = GatePolicies.Declared("Acme-Chat-8B", "apache-2.0", ["mistralai/Mistral-7B-v0.1"]) with
        {
            ModelCardLines = new Dictionary<string, int> { ["license"] = 2, ["base_model"] = 3, ["model_name"] = 5 },
        };

        CheckResult result = Check(GatePolicies.Load(), declared, GatePolicies.DerivedFrom("Llama-3.1-8B", "llama"));

        Finding[] findings = [.. result.Artifacts.Single().Findings];
        Assert.Equal(2, findings.Single(f => f.RuleId == RuleIds.LicenseConflict).Line);
        Assert.Equal(3, findings.Single(f => f.RuleId == RuleIds.BaseMismatch).Line);
        Assert.Equal(5, findings.Single(f => f.RuleId == RuleIds.Naming).Line);
        Assert.All(findings.Where(f => f.RuleId == RuleIds.NoticeMissing), f => Assert.Null(f.Line));
    }

    [Fact]
    public void Evaluate_OverriddenName_HasNoCardLine()
    {
        DeclaredIdentity declared = GatePolicies.Declared("Acme-Chat-8B", "llama3.1", ["meta-llama/Llama-3.1-8B"]) with
        {
            Name = new DeclaredValue<string>("Acme-Chat-8B", DeclarationSource.Override),
            ModelCardLines = new Dictionary<string, int> { ["model_name"] = 5 },
        };

        CheckResult result = Check(GatePolicies.Load(), declared, GatePolicies.DerivedFrom("Llama-3.1-8B", "llama"));

        Assert.Null(result.Artifacts.Single().Findings.Single(f => f.RuleId == RuleIds.Naming).Line);
    }

    [Fact]
    public void Evaluate_ClassifierOnlyAndNoDeclaredBase_IsLineageUnverifiedNotUndeclaredBase()
    {
        var evidence = new LineageEvidence(new NearestBase("Mistral-7B-v0.1", "mistral", 0.5, 3, Unknown: false), []);

        CheckResult result = Check(GatePolicies.Load(), GatePolicies.Declared("Acme-7B", "apache-2.0", null), evidence);

        Assert.Equal(EvidenceLevel.Resembles, result.Artifacts.Single().Detected!.Level);
        Assert.Equal(["lineage-unverified"], Rules(result));
        Assert.Contains("undeclared-base", result.Artifacts.Single().Findings.Single().Message);
    }

    private static readonly LineageEvidence ResemblesLlama = new(new NearestBase("Llama-3.1-8B", "llama", 0.2, 3, Unknown: false), []);

    [Fact]
    public void Evaluate_IndependentModelResemblingLlama_IsOneLineageUnverifiedWarningThatNeverClaimsDerivation()
    {
        CheckResult result = Check(GatePolicies.Load(), GatePolicies.Declared("Acme-Original-8B", "apache-2.0", null), ResemblesLlama);

        Assert.Equal(Verdict.Pass, result.Verdict);
        Finding finding = Assert.Single(result.Artifacts.Single().Findings);
        Assert.Equal(RuleIds.LineageUnverified, finding.RuleId);
        Assert.Equal(Severity.Warning, finding.Severity);
        Assert.Contains("resembles Llama-3.1-8B (the Llama family's", finding.Message);
        Assert.Contains("nothing proves its weights derive from it", finding.Message);
        Assert.Contains("llama3.1 (Llama 3.1 Community License)", finding.Message);
        Assert.Contains("begin with \"Llama\"", finding.Message);
        Assert.Contains("\"Built with Llama\" (the model card)", finding.Message);
        Assert.Contains("license-conflict, naming, notice-missing", finding.Message);
        Assert.Contains("policy add-base", finding.Fix);
        Assert.Contains("--license llama3.1", finding.Fix);
        Assert.Contains("base_model so it can be fetched from the Hub", finding.Fix);
        Assert.Contains("lineage not verified", finding.Evidence);
        Assert.StartsWith("resembles: Llama-3.1-8B", Core.Reporting.ReportText.Detected(result.Artifacts.Single().Detected!), StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_ResemblesTheBaseItCompliantlyDeclares_RaisesNothing()
    {
        CheckResult result = Check(GatePolicies.Load(), CompliantLlama(), ResemblesLlama);

        Assert.Equal(EvidenceLevel.Resembles, result.Artifacts.Single().Detected!.Level);
        Assert.Empty(Rules(result));
    }

    [Fact]
    public void Evaluate_PolicyEvidenceResembles_RestoresClassifierFindingsWithoutClaimingDerivation()
    {
        PolicyDocument policy = GatePolicies.Load("organisation:\n  commercial: true\nevidence: resembles\n");

        CheckResult result = Check(policy, GatePolicies.Declared("Acme-Original-8B", "apache-2.0", null), ResemblesLlama);

        Assert.Equal(EvidenceLevel.Resembles, policy.DerivationEvidence);
        Assert.Equal(["license-conflict", "naming", "notice-missing", "notice-missing", "undeclared-base"], Rules(result));
        Finding conflict = result.Artifacts.Single().Findings.First(f => f.RuleId == RuleIds.LicenseConflict);
        Assert.Contains("its weights resemble Llama-3.1-8B (classifier only, acted on because the policy sets evidence: resembles)", conflict.Message);
        Assert.DoesNotContain(result.Artifacts.Single().Findings, f => f.Message.Contains("derive from", StringComparison.Ordinal));
    }

    [Fact]
    public void Evaluate_DeclaredBaseOnlyTheClassifierContradicts_IsAtMostAWarning()
    {
        PolicyDocument policy = GatePolicies.Load("organisation:\n  commercial: true\nevidence: resembles\n");
        DeclaredIdentity declared = GatePolicies.Declared("Mistral-Acme-7B", "apache-2.0", ["mistralai/Mistral-7B-v0.1"]);

        CheckResult byDefault = Check(GatePolicies.Load(), declared, ResemblesLlama);
        CheckResult acting = Check(policy, declared, ResemblesLlama);

        Assert.DoesNotContain("base-mismatch", Rules(byDefault));
        Finding mismatch = acting.Artifacts.Single().Findings.Single(f => f.RuleId == RuleIds.BaseMismatch);
        Assert.Equal(Severity.Warning, mismatch.Severity);
    }

    [Theory]
    [InlineData(0, 0, 40, 40, "identical: Llama-3.1-8B (Llama family")]
    [InlineData(2, 2, 0, 0, "identical: Llama-3.1-8B (Llama family")]
    [InlineData(0, 1, 1, 40, "1 of 40 non-trivial tensors bit-identical to Llama-3.1-8B")]
    public void Evaluate_ByteIdentity_IsIdenticalEvidenceThatRaisesDerivationFindings(int identicalFiles, int files, int identicalTensors, int tensors, string detected)
    {
        var evidence = new LineageEvidence(new NearestBase("Mistral-7B-v0.1", "mistral", 0.5, 3, Unknown: false), [])
        {
            Identity = [new IdentityMatch("Llama-3.1-8B", identicalFiles, files, identicalTensors, tensors)],
        };

        CheckResult result = Check(GatePolicies.Load(), GatePolicies.Declared("Acme-Chat-8B", "apache-2.0", null), evidence);

        DetectedLineage lineage = result.Artifacts.Single().Detected!;
        Assert.Equal(EvidenceLevel.Identical, lineage.Level);
        Assert.Equal("Llama-3.1-8B", lineage.Base!.Name);
        Assert.Contains(detected, Core.Reporting.ReportText.Detected(lineage));
        Assert.Contains("license-conflict", Rules(result));
        Assert.Contains("proven by byte identity", result.Artifacts.Single().Findings.First(f => f.RuleId == RuleIds.LicenseConflict).Message);
    }

    [Fact]
    public void Evaluate_NoIdenticalTensorOrFile_IsNoIdentityEvidence()
    {
        var evidence = new LineageEvidence(null, []) { Identity = [new IdentityMatch("Llama-3.1-8B", 0, 1, 0, 40)] };

        CheckResult result = Check(GatePolicies.Load(), GatePolicies.Declared("Acme", "apache-2.0", null), evidence);

        Assert.Equal(EvidenceLevel.Unknown, result.Artifacts.Single().Detected!.Level);
        Assert.Equal(["unknown-lineage"], Rules(result));
    }

    [Fact]
    public void Evaluate_DeclaresBaseOfAnotherFamily_IsBaseMismatch()
    {
        DeclaredIdentity declared = CompliantLlama() with
        {
            BaseModels = new DeclaredValue<IReadOnlyList<string>>(["mistralai/Mistral-7B-v0.1"], DeclarationSource.ModelCard),
        };

        CheckResult result = Check(GatePolicies.Load(), declared, GatePolicies.DerivedFrom("Llama-3.1-8B", "llama"));

        Assert.Equal(["base-mismatch"], Rules(result));
    }

    [Fact]
    public void Evaluate_DeclaresCoveredVariantOfTheBase_IsAccepted()
    {
        DeclaredIdentity declared = CompliantLlama() with
        {
            BaseModels = new DeclaredValue<IReadOnlyList<string>>(["meta-llama/Llama-3.1-8B-Instruct"], DeclarationSource.ModelCard),
        };

        Assert.Empty(Rules(Check(GatePolicies.Load(), declared, GatePolicies.DerivedFrom("Llama-3.1-8B", "llama"))));
    }

    [Fact]
    public void Evaluate_DeclaresUnknownBase_IsUndeclaredBase()
    {
        DeclaredIdentity declared = CompliantLlama() with
        {
            BaseModels = new DeclaredValue<IReadOnlyList<string>>(["acme/house-model"], DeclarationSource.ModelCard),
        };

        CheckResult result = Check(GatePolicies.Load(), declared, GatePolicies.DerivedFrom("Llama-3.1-8B", "llama"));

        Assert.Equal(["undeclared-base"], Rules(result));
        Assert.Contains("acme/house-model", result.Artifacts.Single().Findings.Single().Message);
    }

    [Fact]
    public void Evaluate_NoEvidenceButDeclaredBaseHasLicense_ChecksTheDeclaredBasesLicense()
    {
        DeclaredIdentity declared = GatePolicies.Declared("Acme", "mit", ["meta-llama/Llama-3.1-70B"], card: "Built with Llama");

        CheckResult result = Check(GatePolicies.Load(), declared, LineageEvidence.None);

        Assert.Contains("license-conflict", Rules(result));
        Assert.Contains("naming", Rules(result));
        Assert.Contains("unknown-lineage", Rules(result));
    }

    [Fact]
    public void Evaluate_FamilyNotice_AppliesToDerivativesWhateverTheirLicense()
    {
        DeclaredIdentity declared = GatePolicies.Declared("Acme-Phi", "apache-2.0", ["microsoft/phi-4"]);

        CheckResult result = Check(GatePolicies.Load(), declared, GatePolicies.DerivedFrom("phi-4", "phi"));

        Finding notice = result.Artifacts.Single().Findings.Single();
        Assert.Equal(RuleIds.NoticeMissing, notice.RuleId);
        Assert.Contains("Microsoft Phi family", notice.Message);
        Assert.Contains("LICENSE file", notice.Fix);
    }

    [Fact]
    public void Evaluate_DeniedFamily_IsFamilyDenied()
    {
        PolicyDocument policy = GatePolicies.Load() with
        {
            Organisation = new OrganisationSettings(false, [], ["mistral"], [], []),
        };

        CheckResult result = Check(policy, GatePolicies.Declared("M", "apache-2.0", ["mistralai/Mistral-7B-v0.1"]),
            GatePolicies.DerivedFrom("Mistral-7B-v0.1", "mistral"));

        Assert.Equal(["family-denied"], Rules(result));
    }

    [Fact]
    public void Evaluate_RuleTurnedDownToWarning_StaysBelowFailOn()
    {
        PolicyDocument policy = GatePolicies.Load("rules:\n  naming: warning\n  notice-missing: off\n  license-conflict: note\n");
        DeclaredIdentity declared = GatePolicies.Declared("Acme-Chat-8B", "apache-2.0", ["meta-llama/Llama-3.1-8B"]);

        CheckResult result = Check(policy, declared, GatePolicies.DerivedFrom("Llama-3.1-8B", "llama"));

        Assert.Equal(["license-conflict", "naming"], Rules(result));
        Assert.Equal(ArtifactStatus.Findings, result.Artifacts.Single().Status);
        Assert.Equal(Verdict.Pass, result.Verdict);
        Assert.Equal(Verdict.Fail, Check(policy, declared, GatePolicies.DerivedFrom("Llama-3.1-8B", "llama"), FailOn.Warning).Verdict);
    }

    [Fact]
    public void Complete_Exceptions_ApplyExpireAndWarnWhenUnused()
    {
        PolicyDocument policy = GatePolicies.Load("""
            exceptions:
              - model: models/*
                rule: naming
                reason: Renaming tracked in TICKET-1
                expires: 2027-01-31
              - model: Acme-*
                rule: notice-missing
                reason: Expired agreement
                expires: 2026-01-01
              - model: other/**
                rule: license-conflict
                reason: Never matches
            """);
        DeclaredIdentity declared = GatePolicies.Declared("Acme-Chat-8B", "llama3.1", ["meta-llama/Llama-3.1-8B"]);

        CheckResult result = Check(policy, declared, GatePolicies.DerivedFrom("Llama-3.1-8B", "llama"));

        Finding naming = result.Artifacts.Single().Findings.Single(f => f.RuleId == RuleIds.Naming);
        Assert.False(naming.IsActive);
        Assert.Equal("Renaming tracked in TICKET-1", naming.Exemption!.Reason);
        Assert.Equal(["notice-missing", "notice-missing"], Rules(result));
        Assert.Contains(result.Messages, m => m.Text.Contains("expired on 2026-01-01", StringComparison.Ordinal) && m.Text.StartsWith("policy.yml:", StringComparison.Ordinal));
        Assert.Contains(result.Messages, m => m.Text.Contains("'other/**' matched no finding", StringComparison.Ordinal));
        Assert.DoesNotContain(result.Messages, m => m.Text.Contains("'models/*'", StringComparison.Ordinal));
    }

    [Fact]
    public void Complete_UnsafePickle_IsAnUnsafePickleErrorNeverCompliantWhateverFailOn()
    {
        PolicyDocument policy = GatePolicies.Load();
        var evaluator = new ComplianceEvaluator(policy, Today);
        var error = new Core.Formats.PyTorch.UnsafePickleException("models/x/pytorch_model.bin", "archive/data.pkl", "GLOBAL", 29, "os.system");

        CheckResult result = evaluator.Complete([ComplianceEvaluator.UnsafePickle("models/x", error)], [], selectionIncomplete: false, FailOn.Never);

        Finding finding = result.Artifacts.Single().Findings.Single();
        Assert.Equal("unsafe-pickle", finding.RuleId);
        Assert.Equal(Severity.Error, finding.Severity);
        Assert.Contains("the pickle names os.system (GLOBAL at byte 29 of archive/data.pkl)", finding.Message);
        Assert.Equal("models/x/pytorch_model.bin", finding.File);
        Assert.Equal(ArtifactStatus.Unreadable, result.Artifacts.Single().Status);
        Assert.Equal(Verdict.Incomplete, result.Verdict);
    }

    [Theory]
    [InlineData("rules:\n  unsafe-pickle: warning\n", "'unsafe-pickle' is always an error")]
    [InlineData("exceptions:\n  - model: '**'\n    rule: unsafe-pickle\n    reason: trusted\n", "'unsafe-pickle' cannot be excepted")]
    public void Load_PolicyLoweringOrExceptingUnsafePickle_IsRejected(string extra, string message)
    {
        PolicyException error = Assert.Throws<PolicyException>(() => GatePolicies.Load(extra));

        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Complete_UnreadableArtifact_IsIncompleteEvenWhenNothingFails()
    {
        var evaluator = new ComplianceEvaluator(GatePolicies.Load(), Today);

        CheckResult result = evaluator.Complete([ComplianceEvaluator.Unreadable("models/broken.safetensors", "header length exceeds file")], [],
            selectionIncomplete: false, FailOn.Never);

        Assert.Equal(Verdict.Incomplete, result.Verdict);
        Assert.Equal(ArtifactStatus.Unreadable, result.Artifacts.Single().Status);
        Assert.Equal(RuleIds.UnreadableArtifact, result.Artifacts.Single().Findings.Single().RuleId);
    }
}
