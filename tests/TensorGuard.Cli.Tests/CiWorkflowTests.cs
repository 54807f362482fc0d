using TensorGuard.ModelFactory;
using TensorGuard.ModelFactory.Demo;
using YamlDotNet.RepresentationModel;

namespace TensorGuard.Cli.Tests;

/// <summary>
/// <c>.github/workflows/ci.yml</c> does what the project promises of its own CI: every push and pull request runs
/// the README's test command, the Dockerfile is built, and this commit's action (not the released image) checks the
/// demo set and uploads its SARIF, with write permissions only on the job that needs them.
/// </summary>
public sealed class CiWorkflowTests
{
    private static readonly YamlMappingNode Workflow = Load();

    private static YamlMappingNode Jobs => (YamlMappingNode)Workflow["jobs"];

    [Fact]
    public void Triggers_PushAndPullRequest()
    {
        var on = (YamlMappingNode)Workflow["on"];

        Assert.Contains(on.Children.Keys, key => key.ToString() == "push");
        Assert.Contains(on.Children.Keys, key => key.ToString() == "pull_request");
    }

    [Fact]
    public void Permissions_ReadOnlyByDefault()
    {
        var permissions = (YamlMappingNode)Workflow["permissions"];

        Assert.Equal("read", Assert.Single(permissions.Children).Value.ToString());
        Assert.Equal("contents", Assert.Single(permissions.Children).Key.ToString());
    }

    [Fact]
    public void TestJob_CachesRestoresBuildsAndRunsTheCiScript()
    {
        string[] steps = StepTexts("test");

        Assert.Contains(steps, step => step.Contains("actions/cache@", StringComparison.Ordinal) && step.Contains("~/.nuget/packages", StringComparison.Ordinal));
        Assert.Contains(steps, step => step.Contains("dotnet restore", StringComparison.Ordinal));
        Assert.Contains(steps, step => step.Contains("dotnet build", StringComparison.Ordinal));
        Assert.Contains(steps, step => step.Contains("bash .ci/run", StringComparison.Ordinal));
        Assert.False(((YamlMappingNode)Jobs["test"]).Children.ContainsKey("permissions"), "the test job needs no more than the workflow's read-only default");
    }

    [Fact]
    public void ActionJob_BuildsTheDockerfileAndRunsThisCommitsActionOnTheDemoSet()
    {
        YamlSequenceNode steps = Steps("action");
        string[] texts = StepTexts("action");
        int build = Array.FindIndex(texts, step => step.Contains("docker build", StringComparison.Ordinal));
        int demo = Array.FindIndex(texts, step => step.Contains("docker run", StringComparison.Ordinal) && step.Contains(" demo ", StringComparison.Ordinal));
        int retarget = Array.FindIndex(texts, step => step.Contains("image: Dockerfile", StringComparison.Ordinal) || step.Contains(@"\1 Dockerfile", StringComparison.Ordinal));
        int gate = IndexOfUses(steps, "./");
        int upload = IndexOfUses(steps, "github/codeql-action/upload-sarif@");

        Assert.True(build >= 0 && demo > build, "the image is built, then writes the demo set");
        Assert.True(retarget >= 0 && gate > retarget, "action.yml is pointed at the Dockerfile before `uses: ./`, so the commit's own code runs");
        Assert.True(upload > gate, "the SARIF the action wrote is uploaded afterwards");

        var gateStep = (YamlMappingNode)steps[gate];
        var with = (YamlMappingNode)gateStep["with"];
        Assert.Equal("tensorguard.sarif", with["sarif-file"].ToString());
        Assert.Equal("tensorguard.sarif", ((YamlMappingNode)((YamlMappingNode)steps[upload])["with"])["sarif_file"].ToString());
        string demoFolder = texts[demo].Split(' ').SkipWhile(word => word != "--out").ElementAt(1);
        string[] written = DemoArtifactNames();
        string[] models = with["models"].ToString().Split(',', StringSplitOptions.TrimEntries);
        Assert.Equal(written.Order(StringComparer.Ordinal), models.Select(model => model.Split('/')).Select(parts =>
        {
            Assert.Equal(demoFolder, parts[0]);
            return parts[1];
        }).Order(StringComparer.Ordinal));
    }

    /// <summary>The artifact folders <c>tensorguard demo</c> writes, so the workflow cannot check a stale list.</summary>
    private static string[] DemoArtifactNames()
    {
        string directory = Path.Combine(Path.GetTempPath(), $"tensorguard-ci-demo-{Guid.NewGuid():N}");
        try
        {
            return DemoSet.Write(directory).Artifacts.Select(artifact => Path.GetFileName(artifact.Path)).ToArray();
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void ActionJob_RetargetCommand_RewritesTheReleasedImageLineOfActionYml()
    {
        string command = ((YamlMappingNode)Steps("action").First(step => StepText(step).Contains("Dockerfile", StringComparison.Ordinal) && ((YamlMappingNode)step).Children.ContainsKey("run")))["run"].ToString();
        string actionYml = File.ReadAllText(Path.Combine(RepositoryFiles.Root, "action.yml"));

        Assert.Matches(@"^  image: docker://", actionYml.Split('\n').Single(line => line.TrimStart().StartsWith("image:", StringComparison.Ordinal)));
        Assert.StartsWith("sed -i 's|^\\( *image:\\) docker://.*$|\\1 Dockerfile|' action.yml", command, StringComparison.Ordinal);
    }

    [Fact]
    public void ActionJob_AssertsTheDemoFailsWithViolations()
    {
        string check = StepTexts("action").Single(step => step.Contains("steps.gate.outputs.verdict", StringComparison.Ordinal));

        Assert.Contains("test \"$VERDICT\" = fail", check, StringComparison.Ordinal);
        Assert.Contains("test \"$VIOLATIONS\" -gt 0", check, StringComparison.Ordinal);
    }

    [Fact]
    public void WritePermissions_OnlyOnTheActionJob_AndOnlyThoseItNeeds()
    {
        var permissions = (YamlMappingNode)((YamlMappingNode)Jobs["action"])["permissions"];
        string[] writes = permissions.Children.Where(p => p.Value.ToString() == "write").Select(p => p.Key.ToString()).Order(StringComparer.Ordinal).ToArray();

        Assert.Equal(["pull-requests", "security-events"], writes);
        Assert.All(Jobs.Children.Where(job => job.Key.ToString() != "action"), job =>
            Assert.False(((YamlMappingNode)job.Value).Children.ContainsKey("permissions")));
    }

    [Fact]
    public void EveryJob_HasATimeout()
    {
        Assert.All(Jobs.Children, job => Assert.True(((YamlMappingNode)job.Value).Children.ContainsKey("timeout-minutes"), $"{job.Key} has no timeout-minutes"));
    }

    private static YamlMappingNode Load()
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(Path.Combine(RepositoryFiles.Root, ".github", "workflows", "ci.yml"));
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static YamlSequenceNode Steps(string job) => (YamlSequenceNode)((YamlMappingNode)Jobs[job])["steps"];

    private static string[] StepTexts(string job) => Steps(job).Select(StepText).ToArray();

    private static string StepText(YamlNode step) =>
        string.Join('\n', ((YamlMappingNode)step).Children.Select(entry => $"{entry.Key}: {Flatten(entry.Value)}"));

    private static string Flatten(YamlNode node) => node switch
    {
        YamlScalarNode scalar => scalar.Value ?? "",
        YamlMappingNode mapping => string.Join('\n', mapping.Children.Select(entry => $"{entry.Key}: {Flatten(entry.Value)}")),
        YamlSequenceNode sequence => string.Join('\n', sequence.Select(Flatten)),
        _ => "",
    };

    private static int IndexOfUses(YamlSequenceNode steps, string prefix) =>
        steps.Children.ToList().FindIndex(step =>
            ((YamlMappingNode)step).Children.TryGetValue(new YamlScalarNode("uses"), out YamlNode? uses)
            && uses.ToString().StartsWith(prefix, StringComparison.Ordinal));
}
