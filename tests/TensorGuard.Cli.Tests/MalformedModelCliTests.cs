using TensorGuard.Tests.Corpus;

namespace TensorGuard.Cli.Tests;

public sealed class MalformedModelCliTests
{
    public static TheoryData<string> Cases => new(MalformedModels.All.Keys.Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Inspect_MalformedArtifact_ExitsThreeWithOneErrorLine(string name)
    {
        using var directory = new TestDirectory();
        MalformedModel model = MalformedModels.All[name];
        string path = model.Create(directory);

        CliResult result = CliRun.Invoke("inspect", "--scan", path);

        Assert.Equal(3, result.ExitCode);
        string line = Assert.Single(result.ErrorLines);
        Assert.StartsWith("error: " + directory.Path, line, StringComparison.Ordinal);
        Assert.Contains(model.Fragment, line, StringComparison.Ordinal);
        Assert.Empty(result.Output);
    }
}
