using System.Text.Json;
using TensorGuard.Core.Tests.Gate;

namespace TensorGuard.Cli.Tests;

/// <summary><c>check --changed-since</c> in a real git repository holding the demo set, as a pull request would change it.</summary>
public sealed class ChangedSinceCliTests : IClassFixture<DemoRepository>, IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "tensorguard-tests", "git-" + Guid.NewGuid().ToString("N"));
    private readonly DemoRepository _demo;

    public ChangedSinceCliTests(DemoRepository demo)
    {
        _demo = demo;
        Copy(Path.Combine(demo.Root, "demo"), Path.Combine(_root, "demo"));
        Git("init", "-q", "-b", "main");
        Git("add", "-A");
        Git("commit", "-q", "-m", "base");
        Git("checkout", "-q", "-b", "pull-request");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (string folder in Directory.GetDirectories(from))
        {
            Copy(folder, Path.Combine(to, Path.GetFileName(folder)));
        }
    }

    private void Git(params string[] arguments) => TestGit.Run(_root, arguments);

    private CliResult Check(params string[] args) =>
        CliProcess.Run(_root, _demo.Environment(), ["check", "--policy", "demo/tensorguard.yml", "demo/mistral-support-ft", "demo/superchat-8b", "demo/acme-assistant-3b", .. args]);

    [Fact]
    public void OnlyChanged_EditedCard_ChecksOnlyThatModelAndSaysWhatItSkipped()
    {
        File.AppendAllText(Path.Combine(_root, "demo", "superchat-8b", "README.md"), "\nA line the pull request adds.\n");
        Git("commit", "-q", "-am", "edit a card");

        CliResult result = Check("--changed-since", "main", "--only-changed", "--format", "json", "--output", "-");

        using JsonDocument report = JsonDocument.Parse(result.Output);
        JsonElement artifact = Assert.Single(report.RootElement.GetProperty("artifacts").EnumerateArray());
        Assert.Equal("demo/superchat-8b", artifact.GetProperty("path").GetString());
        Assert.Equal("modified", artifact.GetProperty("change").GetString());
        Assert.Contains(report.RootElement.GetProperty("messages").EnumerateArray(),
            m => m.GetProperty("text").GetString()!.StartsWith("2 selected models are unchanged since main", StringComparison.Ordinal));
        Assert.Equal(2, result.ExitCode);
    }

    [Fact]
    public void ChangedSince_WithoutOnlyChanged_SeparatesFindingsAlreadyOnTheBaseBranch()
    {
        CliResult result = Check("--changed-since", "main", "--format", "markdown", "--output", "-");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("**Compared with the base branch:** 0 new findings in models this pull request adds", result.Output, StringComparison.Ordinal);
        Assert.Contains("### ❌ `demo/superchat-8b` (unchanged: findings already on the base branch)", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void OnlyChanged_WithoutChangedSince_IsAUsageError()
    {
        CliResult result = Check("--only-changed");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--only-changed needs --changed-since REF", result.Error, StringComparison.Ordinal);
    }
}
