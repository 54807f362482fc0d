using System.Text.Json;
using TensorGuard.Core.Tests.Gate;
using TensorGuard.ModelFactory;

namespace TensorGuard.Cli.Tests;

/// <summary>
/// The README's <c>docker run</c> recipe against the Dockerfile and action.yml. No Docker engine is available here, so
/// the tests replay what the engine would do: the image's entrypoint with the recipe's arguments in place of CMD, the
/// recipe's working directory and <c>-e</c> variables, and its bind mount emulated by a scratch repository.
/// </summary>
public sealed class DockerRecipeTests : IDisposable
{
    private static readonly IReadOnlyList<DockerInstruction> Dockerfile =
        DockerfileInstructions.Parse(File.ReadAllText(Path.Combine(RepositoryFiles.Root, "Dockerfile")));

    private static readonly DockerRun Recipe = DockerRun.Parse(
        Assert.Single(ReadmeCommands.Commands(ReadmeCommands.Section("Adopt it in your repository")), words => words is ["docker", "run", ..]));

    private readonly string _repository = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "tensorguard-tests", "docker-" + Guid.NewGuid().ToString("N"))).FullName;

    public void Dispose() => Directory.Delete(_repository, recursive: true);

    private static int FinalStage => Dockerfile.Max(i => i.Stage);

    /// <summary>Where the recipe mounts the current folder (<c>-v "$PWD:TARGET"</c>).</summary>
    private static string RepositoryMount => Assert.Single(Recipe.Volumes, v => v.Source == "$PWD").Target;

    [Fact]
    public void Recipe_Image_IsTheActionsImageAndVersion() =>
        Assert.Equal(ActionMetadata.Load().Image, "docker://" + Recipe.Image);

    [Fact]
    public void Recipe_WorkingDirectory_IsTheMountedRepositoryBecauseTheImageSetsNone()
    {
        // The image has no WORKDIR (a container action runs in GITHUB_WORKSPACE), so without -w the relative model
        // paths of the recipe would be read from the container's root.
        Assert.DoesNotContain(Dockerfile, i => i.Keyword == "WORKDIR");
        Assert.Equal(RepositoryMount, Recipe.WorkingDirectory);
        Assert.Contains("--rm", Recipe.Flags);
    }

    [Fact]
    public void Recipe_Variables_ArePathsInsideTheMountSoTheySurviveTheContainer()
    {
        Assert.NotEmpty(Recipe.Variables);
        foreach ((string name, string value) in Recipe.Variables)
        {
            Assert.True(value.StartsWith(RepositoryMount + "/", StringComparison.Ordinal), $"-e {name}={value} lies outside the mounted {RepositoryMount}; it is lost with --rm");
        }
    }

    [Fact]
    public void Recipe_Arguments_ReplaceCmdWithACommandOfTheEntrypoint()
    {
        string[] entrypoint = JsonSerializer.Deserialize<string[]>(Assert.Single(Dockerfile, i => i.Stage == FinalStage && i.Keyword == "ENTRYPOINT").Arguments)!;
        string[] cmd = JsonSerializer.Deserialize<string[]>(Assert.Single(Dockerfile, i => i.Stage == FinalStage && i.Keyword == "CMD").Arguments)!;

        // The README tells the reader the entrypoint is `tensorguard`, so that any command can follow the image.
        Assert.Equal("tensorguard", Path.GetFileName(Assert.Single(entrypoint)));
        Assert.Contains("The image's entrypoint is `tensorguard`", ReadmeCommands.Section("Adopt it in your repository"), StringComparison.Ordinal);
        Assert.NotEqual(cmd, Recipe.Arguments);
        Assert.Contains(TensorGuardCommand.Create().Subcommands, command => command.Name == Recipe.Arguments[0]);
    }

    [Fact]
    public void Recipe_ReplayedOnASampleRepository_ChecksItAndKeepsTheCacheInTheMount()
    {
        // The sample repository: a git checkout with no policy yet and the model the recipe names.
        TestGit.Run(_repository, "init", "-q", "-b", "main");
        string model = Assert.Single(Recipe.Arguments.Skip(1), argument => !argument.StartsWith('-'));
        TestModels.Create(ModelFamily.Mistral, seed: 11).FineTune(0.05)
            .WithCard(card => card with { License = "apache-2.0", ModelName = "My-Model", BaseModel = ["mistralai/Mistral-7B-v0.1"] })
            .Save(Path.Combine(_repository, model));

        // What the engine passes: the image's ENV, then the recipe's -e, with the mount's target read as the scratch folder.
        var environment = Dockerfile.Where(i => i.Stage == FinalStage && i.Keyword == "ENV")
            .Select(i => i.Arguments.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair[1]);
        foreach ((string name, string value) in Recipe.Variables)
        {
            environment[name] = _repository + value[RepositoryMount.Length..];
        }

        string workingDirectory = _repository + Recipe.WorkingDirectory![RepositoryMount.Length..];
        CliResult result = CliProcess.Run(workingDirectory, environment, [.. Recipe.Arguments]);

        Assert.True(result.ExitCode is 0 or 2, $"exit {result.ExitCode}: {result.Error}{result.Output}");
        Assert.StartsWith("warning: no repository policy found", result.Output, StringComparison.Ordinal);
        Assert.Contains(model, result.Output, StringComparison.Ordinal);
        foreach (string path in Recipe.Variables.Values.Select(value => _repository + value[RepositoryMount.Length..]))
        {
            Assert.True(Directory.EnumerateFileSystemEntries(path).Any(), $"{path} (from the recipe's -e) is empty after the run");
        }
    }

    /// <summary>
    /// The parts of a <c>docker run</c> command line that decide what the container sees. An option this type does not
    /// know fails the parse, so a recipe that grows one is checked again rather than passed unread.
    /// </summary>
    private sealed record DockerRun(
        IReadOnlyList<string> Flags,
        IReadOnlyList<(string Source, string Target)> Volumes,
        IReadOnlyDictionary<string, string> Variables,
        string? WorkingDirectory,
        string Image,
        IReadOnlyList<string> Arguments)
    {
        public static DockerRun Parse(string[] words)
        {
            var flags = new List<string>();
            var volumes = new List<(string, string)>();
            var variables = new Dictionary<string, string>(StringComparer.Ordinal);
            string? workingDirectory = null;
            int at = 2;
            for (; at < words.Length && words[at].StartsWith('-'); at++)
            {
                switch (words[at])
                {
                    case "--rm":
                        flags.Add(words[at]);
                        break;
                    case "--user" or "-u":
                        at++;
                        break;
                    case "-v" or "--volume":
                        string[] mount = words[++at].Split(':');
                        volumes.Add((mount[0], mount[1]));
                        break;
                    case "-w" or "--workdir":
                        workingDirectory = words[++at];
                        break;
                    case "-e" or "--env":
                        string[] variable = words[++at].Split('=', 2);
                        Assert.True(variable.Length == 2, $"-e {variable[0]} passes the host's value, which this test cannot replay");
                        variables[variable[0]] = variable[1];
                        break;
                    default:
                        Assert.Fail($"the README's docker run uses {words[at]}, which {nameof(DockerRecipeTests)} does not replay; teach it");
                        break;
                }
            }

            return new DockerRun(flags, volumes, variables, workingDirectory, words[at], words[(at + 1)..]);
        }
    }
}
