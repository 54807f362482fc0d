using TensorGuard.ModelFactory;

namespace TensorGuard.Cli.Tests;

/// <summary>The example in docs/library.md compiles (this project builds it), runs, and is the page's text.</summary>
public sealed class LibraryExampleTests(DemoRepository repository) : IClassFixture<DemoRepository>
{
    private string PolicyFile => Path.Combine(repository.Root, repository.Policy);

    [Fact]
    public void MayPublish_CompliantDemoModel_IsTrueAndLogsThePullRequestComment()
    {
        var log = new StringWriter();

        bool allowed = RegistryHook.MayPublish(Path.Combine(repository.Root, "demo", "mistral-support-ft"), PolicyFile, log);

        Assert.True(allowed, log.ToString());
        Assert.Contains("TensorGuard: pass", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void MayPublish_RelicensedLlamaDerivative_IsFalseAndLogsTheLicenseConflict()
    {
        var log = new StringWriter();

        bool allowed = RegistryHook.MayPublish(Path.Combine(repository.Root, "demo", "superchat-8b"), PolicyFile, log);

        Assert.False(allowed);
        Assert.Contains("Error license-conflict:", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void LibraryPage_ShowsTheCompiledExampleVerbatim()
    {
        string example = File.ReadAllText(Path.Combine(RepositoryFiles.Root, "docs", "library", "RegistryHook.cs")).ReplaceLineEndings("\n");
        string page = File.ReadAllText(Path.Combine(RepositoryFiles.Root, "docs", "library.md")).ReplaceLineEndings("\n");

        Assert.Contains("```csharp\n" + example + "```\n", page, StringComparison.Ordinal);
    }
}
