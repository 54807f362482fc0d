using System.Text.Json;
using System.Text.RegularExpressions;
using TensorGuard.ModelFactory;
using YamlDotNet.RepresentationModel;

namespace TensorGuard.Cli.Tests;

/// <summary>
/// .github/workflows/catalogue.yml, parsed: the jobs it runs, its matrix taken from <c>tensorguard catalogue matrix</c>,
/// its pinned actions and each job's permissions.
/// </summary>
public sealed partial class CatalogueWorkflowTests
{
    private static readonly string Workflows = Path.Combine(RepositoryFiles.Root, ".github", "workflows");

    private static YamlMappingNode Workflow(string name)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(Path.Combine(Workflows, name));
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static YamlMappingNode Map(YamlNode node, string key) => (YamlMappingNode)((YamlMappingNode)node).Children[new YamlScalarNode(key)];

    private static string Text(YamlNode node, string key) => ((YamlScalarNode)((YamlMappingNode)node).Children[new YamlScalarNode(key)]).Value!;

    private static YamlMappingNode Job(string name) => Map(Map(Workflow("catalogue.yml"), "jobs"), name);

    private static IEnumerable<YamlMappingNode> Steps(string job) =>
        ((YamlSequenceNode)Job(job).Children[new YamlScalarNode("steps")]).Children.Cast<YamlMappingNode>();

    private static YamlMappingNode Step(string job, string action) =>
        Steps(job).Single(step => step.Children.TryGetValue(new YamlScalarNode("uses"), out YamlNode? uses) && ((YamlScalarNode)uses).Value!.StartsWith(action + "@", StringComparison.Ordinal));

    private static string Run(string job, string fragment) =>
        Steps(job).Select(step => step.Children.TryGetValue(new YamlScalarNode("run"), out YamlNode? run) ? ((YamlScalarNode)run).Value! : "")
            .Single(run => run.Contains(fragment, StringComparison.Ordinal));

    [Fact]
    public void Workflow_Triggers_AreManualAndScheduled()
    {
        YamlMappingNode on = Map(Workflow("catalogue.yml"), "on");

        Assert.Contains(new YamlScalarNode("workflow_dispatch"), on.Children.Keys);
        YamlSequenceNode schedule = (YamlSequenceNode)on.Children[new YamlScalarNode("schedule")];
        Assert.Matches(@"^\S+ \S+ \S+ \S+ \S+$", Text(schedule.Children[0], "cron"));
    }

    [Fact]
    public void Workflow_Jobs_EmitMatrixThenBuildEachBaseThenOpenOnePullRequest()
    {
        Assert.Equal(["matrix", "build", "pull-request"], Map(Workflow("catalogue.yml"), "jobs").Children.Keys.Select(k => ((YamlScalarNode)k).Value));
        Assert.Equal("matrix", Text(Job("build"), "needs"));
        Assert.Equal("build", Text(Job("pull-request"), "needs"));
        Assert.All(new[] { "matrix", "build", "pull-request" }, job => Assert.InRange(int.Parse(Text(Job(job), "timeout-minutes"), System.Globalization.CultureInfo.InvariantCulture), 1, 360));
    }

    [Fact]
    public void MatrixJob_TakesTheMatrixFromTheCatalogueCommand_AndTheBuildJobUsesItsKeys()
    {
        Assert.Contains("catalogue matrix --catalogue policies/catalogue.yml", Run("matrix", "catalogue matrix"), StringComparison.Ordinal);
        Assert.Equal("${{ steps.matrix.outputs.matrix }}", Text(Map(Job("matrix"), "outputs"), "matrix"));
        YamlMappingNode strategy = Map(Job("build"), "strategy");
        Assert.Equal("${{ fromJSON(needs.matrix.outputs.matrix) }}", Text(strategy, "matrix"));
        Assert.InRange(int.Parse(Text(strategy, "max-parallel"), System.Globalization.CultureInfo.InvariantCulture), 1, 20);

        // The keys the build job reads are the keys the command prints, for the catalogue the workflow names.
        CliResult matrix = CliRun.Invoke("catalogue", "matrix", "--catalogue", Path.Combine(RepositoryFiles.Root, "policies", "catalogue.yml"));
        Assert.Equal(0, matrix.ExitCode);
        using JsonDocument json = JsonDocument.Parse(matrix.Output);
        JsonElement[] include = [.. json.RootElement.GetProperty("include").EnumerateArray()];
        Assert.InRange(include.Length, 1, 256);
        string[] keys = [.. include[0].EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)];
        Assert.Equal(["ids", "name"], keys);
        string workflowText = File.ReadAllText(Path.Combine(Workflows, "catalogue.yml"));
        string[] used = [.. MatrixKey().Matches(workflowText).Select(m => m.Groups[1].Value).Distinct().Order(StringComparer.Ordinal)];
        Assert.Equal(keys, used);
    }

    [Fact]
    public void BuildJob_SketchesWithTheHubTokenSecret_AndUploadsOneArtifactPerJob()
    {
        YamlMappingNode sketch = Steps("build").Single(step => step.Children.ContainsKey(new YamlScalarNode("run")) && Text(step, "run").Contains("catalogue build", StringComparison.Ordinal));
        Assert.Equal("${{ secrets.HF_TOKEN }}", Text(Map(sketch, "env"), "HF_TOKEN"));
        Assert.Equal("${{ matrix.ids }}", Text(Map(sketch, "env"), "IDS"));
        Assert.Contains("--only $IDS", Text(sketch, "run"), StringComparison.Ordinal);

        YamlMappingNode upload = Step("build", "actions/upload-artifact");
        Assert.Equal("catalogue-${{ matrix.name }}", Text(Map(upload, "with"), "name"));
    }

    [Fact]
    public void PullRequestJob_MergesEveryArtifact_AndTabulatesBaseRevisionBytesAndMinutes()
    {
        YamlMappingNode download = Map(Step("pull-request", "actions/download-artifact"), "with");
        Assert.Equal("catalogue-*", Text(download, "pattern"));
        Assert.Equal("true", Text(download, "merge-multiple"));

        string open = Run("pull-request", "gh pr create");
        Assert.Contains("| base | revision | status | bytes fetched | minutes |", open, StringComparison.Ordinal);
        Assert.Contains("${{ github.token }}", Text(Map(Steps("pull-request").Single(s => s.Children.ContainsKey(new YamlScalarNode("env"))), "env"), "GH_TOKEN"), StringComparison.Ordinal);
    }

    [Fact]
    public void Permissions_NoneByDefault_WriteOnlyOnThePullRequestJob()
    {
        YamlMappingNode workflow = Workflow("catalogue.yml");
        Assert.Empty(Map(workflow, "permissions").Children);
        Assert.Equal("read", Text(Map(Job("matrix"), "permissions"), "contents"));
        Assert.Equal("read", Text(Map(Job("build"), "permissions"), "contents"));
        Assert.Single(Map(Job("matrix"), "permissions").Children);
        Assert.Single(Map(Job("build"), "permissions").Children);

        YamlMappingNode merge = Map(Job("pull-request"), "permissions");
        Assert.Equal(
            [("contents", "write"), ("pull-requests", "write")],
            merge.Children.Select(p => (((YamlScalarNode)p.Key).Value!, ((YamlScalarNode)p.Value).Value!)).Order().ToArray());
    }

    [Fact]
    public void Actions_ArePinnedByCommitSha_TheSameAsTheOtherWorkflowsPinTheSameAction()
    {
        (string Action, string Sha)[] pins = Pins("catalogue.yml");
        (string Action, string Sha)[] others = [.. Directory.GetFiles(Workflows, "*.yml").Select(Path.GetFileName).Where(name => name != "catalogue.yml").SelectMany(name => Pins(name!))];

        Assert.Contains(pins, pin => pin.Action == "actions/checkout");
        Assert.Contains(others, pin => pin.Action == "actions/checkout");
        Assert.All(pins, pin => Assert.Matches("^[0-9a-f]{40}$", pin.Sha));
        Assert.All(pins.Concat(others).GroupBy(p => p.Action), group => Assert.Single(group.Select(p => p.Sha).Distinct()));
    }

    private static (string Action, string Sha)[] Pins(string workflow) =>
        [.. File.ReadAllLines(Path.Combine(Workflows, workflow))
            .Select(line => UsesLine().Match(line))
            .Where(match => match.Success)
            .Select(match => (match.Groups["action"].Value, match.Groups["sha"].Value))];

    [GeneratedRegex(@"^\s*(-\s+)?uses:\s+(?<action>[\w.-]+/[\w./-]+)@(?<sha>\S+)")]
    private static partial Regex UsesLine();

    [GeneratedRegex(@"\$\{\{\s*matrix\.([\w-]+)\s*\}\}")]
    private static partial Regex MatrixKey();
}
