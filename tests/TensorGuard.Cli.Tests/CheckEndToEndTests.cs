using System.Text.Json;
using TensorGuard.Core.Formats;
using TensorGuard.ModelFactory;
using TensorGuard.ModelFactory.Formats;
using TensorGuard.Tests.Corpus;

namespace TensorGuard.Cli.Tests;

/// <summary>The demo set and its policy, generated once by running <c>tensorguard demo</c> as a process.</summary>
public sealed class DemoRepository : IDisposable
{
    public DemoRepository()
    {
        Directory.CreateDirectory(Path.Combine(Root, ".git"));
        Demo = CliProcess.Run(Root, Environment(), "demo", "--out", "demo");
    }

    /// <summary>A scratch repository (it has a .git folder, so the policy's root is here).</summary>
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "tensorguard-tests", Guid.NewGuid().ToString("N"));

    /// <summary>What the demo printed.</summary>
    public CliResult Demo { get; }

    public string Policy => Path.Combine("demo", "tensorguard.yml");

    /// <summary>An environment whose fingerprint cache lives in the scratch repository.</summary>
    public Dictionary<string, string> Environment() => new() { ["TENSORGUARD_CACHE_DIR"] = Path.Combine(Root, "cache") };

    public CliResult Check(params string[] args) => CliProcess.Run(Root, Environment(), ["check", "--policy", Policy, .. args]);

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

/// <summary>The gate run as CI runs it: a real process, real exit codes, real files.</summary>
public sealed class CheckEndToEndTests(DemoRepository repository) : IClassFixture<DemoRepository>
{
    [Fact]
    public void Demo_AsAProcess_PrintsThePullRequestReportAndAgreesWithTheTruth()
    {
        Assert.Equal(0, repository.Demo.ExitCode);
        Assert.Contains("The comment a pull request would get", repository.Demo.Output);
        Assert.Contains("The gate agrees with the ground truth on 3 of 3 demo models.", repository.Demo.Output);
        Assert.Contains("lineage: derived from Llama-3.1-8B (similarity 0.9", repository.Demo.Output);
        Assert.Contains("lineage   Mistral-7B-v0.1: not derived, similarity 0.0", repository.Demo.Output);
        Assert.DoesNotContain("classifier only", repository.Demo.Output);
    }

    [Fact]
    public void Check_DerivedArtifactDeclaringAnUnrelatedBase_IsBaseMismatchAtTheCardLineWithLineageEvidence()
    {
        string folder = CopyArtifact("superchat-8b", "mismatch");
        File.WriteAllText(Path.Combine(folder, "README.md"),
            "---\nlicense: llama3.1\nmodel_name: Llama-Acme-8B\nbase_model: mistralai/Mistral-7B-v0.1\n---\n\nBuilt with Llama\n");
        string reports = Path.Combine(repository.Root, "reports-" + Guid.NewGuid().ToString("N"));

        CliResult result = repository.Check(Path.GetRelativePath(repository.Root, folder), "--report-dir", reports, "--format", "json,sarif");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("base-mismatch: declares base model mistralai/Mistral-7B-v0.1 (Mistral-7B-v0.1), but its weights derive from Llama-3.1-8B (proven by the lineage test)", result.Output);
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(Path.Combine(reports, "tensorguard-report.json")));
        JsonElement artifact = json.RootElement.GetProperty("artifacts")[0];
        JsonElement mismatch = artifact.GetProperty("findings").EnumerateArray().Single(f => f.GetProperty("rule").GetString() == "base-mismatch");
        Assert.Equal(4, mismatch.GetProperty("line").GetInt32());
        Assert.StartsWith("lineage: derived from Llama-3.1-8B (similarity ", mismatch.GetProperty("evidence").GetString(), StringComparison.Ordinal);
        JsonElement detected = artifact.GetProperty("detected");
        Assert.Equal("derived", detected.GetProperty("level").GetString());
        Dictionary<string, string> verdicts = detected.GetProperty("lineage").EnumerateArray()
            .ToDictionary(t => t.GetProperty("base").GetString()!, t => t.GetProperty("verdict").GetString()!);
        Assert.Equal("derived", verdicts["Llama-3.1-8B"]);
        Assert.Equal("not-derived", verdicts["Mistral-7B-v0.1"]);
        Assert.True(detected.GetProperty("lineage").EnumerateArray().Single(t => t.GetProperty("base").GetString() == "Llama-3.1-8B")
            .GetProperty("log10PValue").GetDouble() < -6);
        using JsonDocument sarif = JsonDocument.Parse(File.ReadAllText(Path.Combine(reports, "tensorguard-report.sarif")));
        JsonElement location = sarif.RootElement.GetProperty("runs")[0].GetProperty("results").EnumerateArray()
            .Single(r => r.GetProperty("ruleId").GetString() == "base-mismatch").GetProperty("locations")[0].GetProperty("physicalLocation");
        Assert.Equal(4, location.GetProperty("region").GetProperty("startLine").GetInt32());
    }

    [Fact]
    public void Check_IndependentlyInitialisedLookAlike_IsNotDerivedFromAnyBase()
    {
        string folder = Path.Combine(repository.Root, "lookalike-" + Guid.NewGuid().ToString("N"));
        TestModels.Create(ModelFamily.Llama, seed: 4242, TensorDType.BF16)
            .WithCard(new ModelCard { License = "llama3.1", ModelName = "Llama-Lookalike-8B", BaseModel = ["meta-llama/Llama-3.1-8B"], Body = "Built with Llama" })
            .Save(folder);
        string reports = Path.Combine(repository.Root, "reports-" + Guid.NewGuid().ToString("N"));

        CliResult result = repository.Check(Path.GetRelativePath(repository.Root, folder), "--report-dir", reports, "--format", "json");

        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(Path.Combine(reports, "tensorguard-report.json")));
        JsonElement detected = json.RootElement.GetProperty("artifacts")[0].GetProperty("detected");
        Assert.Equal("not-derived", detected.GetProperty("level").GetString());
        Assert.Equal(3, detected.GetProperty("lineage").GetArrayLength());
        Assert.All(detected.GetProperty("lineage").EnumerateArray(), test => Assert.Equal("not-derived", test.GetProperty("verdict").GetString()));
        Assert.Contains("unknown-lineage", result.Output);
        Assert.Contains("base-mismatch: declares base model meta-llama/Llama-3.1-8B (Llama-3.1-8B), but the lineage test finds its weights are not derived from it", result.Output);

        // The classifier may call it Llama-like; only "not derived from" may follow.
        Assert.DoesNotMatch(@"(?<!not )derived from Llama-3\.1-8B \(", result.Output);
    }

    [Theory]
    [InlineData("error")]
    [InlineData("never")]
    public void Check_PickleThatCouldRunCode_IsAnUnsafePickleErrorAndTheRunFails(string failOn)
    {
        string folder = Path.Combine(repository.Root, "pickled-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        byte[] pickle = new PickleBuilder().Proto(2).Global("collections", "OrderedDict").EmptyTuple().Reduce()
            .Global("os", "system").Unicode("echo pwned").Op(0x85).Reduce().Stop().ToArray();
        File.WriteAllBytes(Path.Combine(folder, "pytorch_model.bin"), TorchCheckpointWriter.Zip(
            [new TorchCheckpointWriter.Tensor("model.norm.weight", [4], TensorDType.F32, [1, 2, 3, 4])], pickle: pickle));
        File.WriteAllText(Path.Combine(folder, "README.md"), "---\nlicense: apache-2.0\nmodel_name: Pickled\n---\n");
        string reports = Path.Combine(repository.Root, "reports-" + Guid.NewGuid().ToString("N"));

        CliResult result = repository.Check(Path.GetRelativePath(repository.Root, folder), "demo/mistral-support-ft", "--fail-on", failOn,
            "--report-dir", reports, "--format", "json");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("unsafe-pickle: the pickle names os.system (GLOBAL at byte ", result.Output);
        Assert.Contains("UNREADABLE", result.Output);
        Assert.DoesNotContain("PASS", result.Output);
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(Path.Combine(reports, "tensorguard-report.json")));
        JsonElement artifact = json.RootElement.GetProperty("artifacts").EnumerateArray()
            .Single(a => a.GetProperty("path").GetString()!.StartsWith("pickled-", StringComparison.Ordinal));
        Assert.Equal("unreadable", artifact.GetProperty("status").GetString());
        JsonElement finding = Assert.Single(artifact.GetProperty("findings").EnumerateArray());
        Assert.Equal("unsafe-pickle", finding.GetProperty("rule").GetString());
        Assert.Equal("error", finding.GetProperty("severity").GetString());
        Assert.EndsWith("/pytorch_model.bin", finding.GetProperty("file").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Check_CompliantModel_ExitsZero()
    {
        CliResult result = repository.Check("demo/mistral-support-ft");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("✓ demo/mistral-support-ft  COMPLIANT", result.Output);
        Assert.Contains("PASS: 1 model checked, all compliant", result.Output);
    }

    [Fact]
    public void Check_RelicensedLlamaDerivative_ExitsTwoWithFindingsAndReports()
    {
        string reports = Path.Combine(repository.Root, "reports-" + Guid.NewGuid().ToString("N"));

        CliResult result = repository.Check("demo/superchat-8b", "--report-dir", reports);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("license-conflict: declares license apache-2.0", result.Output);
        Assert.Contains("naming: name \"SuperChat-8B\" does not begin with \"Llama\"", result.Output);
        Assert.Contains("Built with Llama", result.Output);
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(Path.Combine(reports, "tensorguard-report.json")));
        Assert.Equal("fail", json.RootElement.GetProperty("verdict").GetString());
        Assert.Equal("llama", json.RootElement.GetProperty("artifacts")[0].GetProperty("detected").GetProperty("family").GetString());
        Assert.StartsWith("## ❌ TensorGuard: fail", File.ReadAllText(Path.Combine(reports, "tensorguard-report.md")), StringComparison.Ordinal);
    }

    [Fact]
    public void Check_Overrides_WinAndTheReportSaysSo()
    {
        CliResult result = repository.Check("demo/superchat-8b", "--name", "Llama-SuperChat-8B", "--license", "llama3.1",
            "--base-model", "meta-llama/Llama-3.1-8B", "--fail-on", "warning");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("name Llama-SuperChat-8B [override] · license llama3.1 [override]", result.Output);
        Assert.DoesNotContain("license-conflict", result.Output);
        Assert.DoesNotContain("naming:", result.Output);
        Assert.Contains("notice-missing", result.Output);
    }

    [Theory]
    [InlineData("error")]
    [InlineData("never")]
    public void Check_UnreadableModel_ExitsThreeAndIsNeverCompliant(string failOn)
    {
        string folder = Path.Combine(repository.Root, "broken-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        RawSafetensors.Write(Path.Combine(folder, "model.safetensors"), "{\"a\":{\"dtype\":");

        CliResult result = repository.Check(Path.GetRelativePath(repository.Root, folder), "demo/mistral-support-ft", "--fail-on", failOn);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("UNREADABLE", result.Output);
        Assert.Contains("unreadable-artifact: could not be analysed:", result.Output);
        Assert.Contains("INCOMPLETE: 1 of 2 models could not be analysed", result.Output);
        Assert.DoesNotContain("PASS", result.Output);
    }

    [Fact]
    public void Check_InvalidPolicy_ExitsThreeWithFileLineColumn()
    {
        string policy = Path.Combine(repository.Root, $"bad-{Guid.NewGuid():N}.yml");
        File.WriteAllText(policy, "version: 1\nfamilies:\n  - id: llama\n    bases:\n      - name: x\n        licence: mit\n        features: {global_std: 1}\n");

        CliResult result = CliProcess.Run(repository.Root, repository.Environment(), "check", "--policy", policy, "demo/mistral-support-ft");

        Assert.Equal(3, result.ExitCode);
        string line = Assert.Single(result.ErrorLines);
        Assert.Equal($"error: {policy}:6:9: unknown key 'licence' in base; did you mean 'license'?", line);
        Assert.Empty(result.Output);
    }

    [Fact]
    public void Check_GlobMatchingNothing_ExitsThree()
    {
        CliResult result = repository.Check("demo/no-such-*/model.safetensors", "demo/mistral-support-ft");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("'demo/no-such-*/model.safetensors' matched no model artifact", result.Output);
    }

    [Fact]
    public void Check_Rerun_ReadsFingerprintsFromTheCacheNotTheWeights()
    {
        string copy = CopyArtifact("superchat-8b", "cached");

        string relative = Path.GetRelativePath(repository.Root, copy);
        CliResult first = repository.Check(relative);

        // Overwrite the weights' data (not the header) with other values, keeping size and time: a run that read the
        // weights would fingerprint them differently; a cached run does not notice.
        string weights = Path.Combine(copy, "model.safetensors");
        var info = new FileInfo(weights);
        DateTime written = info.LastWriteTimeUtc;
        using (FileStream stream = File.Open(weights, FileMode.Open, FileAccess.Write))
        {
            stream.Seek(-4096, SeekOrigin.End);
            stream.Write(Enumerable.Repeat((byte)0x3F, 4096).ToArray());
        }

        File.SetLastWriteTimeUtc(weights, written);
        CliResult second = repository.Check(relative);

        Assert.Equal(2, first.ExitCode);
        Assert.Equal(first.Output, second.Output);
        Assert.Contains("lineage   Llama-3.1-8B: derived", second.Output);
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(repository.Root, "cache", "entries"), "*.fingerprint.json"));
        Assert.True(Directory.GetFiles(Path.Combine(repository.Root, "cache", "entries"), $"*.lineage-v{Core.Fingerprints.Lineage.LineageSettings.Version}-*.json").Length >= 3);
    }

    private string CopyArtifact(string name, string prefix)
    {
        string copy = Path.Combine(repository.Root, $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(copy);
        foreach (string file in Directory.GetFiles(Path.Combine(repository.Root, "demo", name)))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }

        return copy;
    }

    [Fact]
    public void Check_FormatSarif_WritesResultsAtTheModelCardWithRuleHelp()
    {
        string reports = Path.Combine(repository.Root, "reports-" + Guid.NewGuid().ToString("N"));

        CliResult result = repository.Check("demo/superchat-8b", "--format", "sarif", "--report-dir", reports);

        Assert.Equal(2, result.ExitCode);
        using JsonDocument sarif = JsonDocument.Parse(File.ReadAllText(Path.Combine(reports, "tensorguard-report.sarif")));
        JsonElement run = sarif.RootElement.GetProperty("runs")[0];
        Assert.Equal("2.1.0", sarif.RootElement.GetProperty("version").GetString());
        JsonElement conflict = run.GetProperty("results").EnumerateArray().First(r => r.GetProperty("ruleId").GetString() == "license-conflict");
        Assert.Equal("error", conflict.GetProperty("level").GetString());
        Assert.Equal("demo/superchat-8b/README.md",
            conflict.GetProperty("locations")[0].GetProperty("physicalLocation").GetProperty("artifactLocation").GetProperty("uri").GetString());
        JsonElement rule = run.GetProperty("tool").GetProperty("driver").GetProperty("rules")[conflict.GetProperty("ruleIndex").GetInt32()];
        Assert.Equal("license-conflict", rule.GetProperty("id").GetString());
        Assert.NotEmpty(rule.GetProperty("help").GetProperty("markdown").GetString()!);
    }

    [Fact]
    public void PolicyValidate_DefaultAndDemoPolicies_AreValid()
    {
        CliResult result = CliProcess.Run(repository.Root, repository.Environment(), "policy", "validate", repository.Policy);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("valid — 3 families, 3 bases, 11 licenses", result.Output);
        Assert.Contains("3 of 3 bases carry a lineage sketch", result.Output);
        CliResult bundled = CliProcess.Run(repository.Root, repository.Environment(), "policy", "validate", RepositoryFiles.DefaultPolicy);
        Assert.Equal(0, bundled.ExitCode);
        Assert.Contains("0 of 43 bases carry a lineage sketch", bundled.Output);
        Assert.Contains("35 catalogue bases are not built yet", bundled.Output);
    }
}
