using System.Text.RegularExpressions;
using TensorGuard.ModelFactory;

namespace TensorGuard.Cli.Tests;

/// <summary>
/// Our own workflows do what the README tells users to do: every action from another repository is pinned by a
/// full commit SHA, with a comment naming the release it stands for. A local action (<c>uses: ./</c>) is this
/// repository's own code at the commit being built.
/// </summary>
public sealed partial class WorkflowPinningTests
{
    public static TheoryData<string> Workflows() =>
        [.. Directory.GetFiles(Path.Combine(RepositoryFiles.Root, ".github", "workflows"), "*.y*ml").Select(Path.GetFileName).OfType<string>()];

    [Theory]
    [MemberData(nameof(Workflows))]
    public void Workflow_ThirdPartyActions_ArePinnedByCommitShaWithTheTagInAComment(string workflow)
    {
        string[] uses = File.ReadAllLines(Path.Combine(RepositoryFiles.Root, ".github", "workflows", workflow))
            .Where(line => UsesLine().IsMatch(line) && !LocalUse().IsMatch(line))
            .ToArray();

        Assert.NotEmpty(uses);
        Assert.All(uses, line => Assert.Matches(PinnedUse(), line));
    }

    [GeneratedRegex(@"^\s*(-\s+)?uses:\s")]
    private static partial Regex UsesLine();

    [GeneratedRegex(@"uses:\s+\./")]
    private static partial Regex LocalUse();

    [GeneratedRegex(@"uses:\s+[\w.-]+/[\w./-]+@[0-9a-f]{40}\s+#\s+v\d+(\.\d+)*\s*$")]
    private static partial Regex PinnedUse();
}
