using System.Text.Json;
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
        string copy = Path.Combine(repository.Root, "cached-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(copy);
        foreach (string file in Directory.GetFiles(Path.Combine(repository.Root, "demo", "superchat-8b")))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }

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
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(repository.Root, "cache", "entries")));
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
    }
}
