using System.CommandLine;
using System.CommandLine.Parsing;
using System.Xml.Linq;
using TensorGuard.Core.Tests.Gate;
using TensorGuard.ModelFactory;

namespace TensorGuard.Cli.Tests;

/// <summary>
/// The README's "Adopt it in your repository", pasted into a fresh git repository: every command of the steps that run
/// on the reader's machine, in order, with the CLI built here standing in for the installed <c>tensorguard</c>. The
/// paths the commands name (a base to add, a model to check) are generated where the commands expect them, since a
/// reader has their own. When the README and the tool drift apart, a command fails here.
/// </summary>
public sealed class ReadmeWalkthroughTests : IDisposable
{
    private const string Section = "Adopt it in your repository";

    private readonly string _repository = Path.Combine(Path.GetTempPath(), "tensorguard-tests", "walkthrough-" + Guid.NewGuid().ToString("N"));
    private readonly string _cache = Path.Combine(Path.GetTempPath(), "tensorguard-tests", "walkthrough-cache-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        Directory.Delete(_repository, recursive: true);
        if (Directory.Exists(_cache))
        {
            Directory.Delete(_cache, recursive: true);
        }
    }

    /// <summary>The steps before the first one that happens on GitHub (adding the workflow).</summary>
    private static IReadOnlyList<string[]> LocalCommands()
    {
        string section = ReadmeCommands.Section(Section);
        int github = section.IndexOf("**4. Add the workflow.**", StringComparison.Ordinal);
        Assert.True(github > 0, "the walk-through's step 4 (the workflow, on GitHub) has moved; update this test's cut");
        return ReadmeCommands.Commands(section[..github]);
    }

    [Fact]
    public void Walkthrough_PastedIntoAFreshRepository_EveryLocalCommandWorks()
    {
        Directory.CreateDirectory(_repository);
        TestGit.Run(_repository, "init", "-q", "-b", "main");
        IReadOnlyList<string[]> commands = LocalCommands();
        Assert.Contains(commands, words => words is ["tensorguard", "check", ..]);

        string? baseName = null;
        foreach (string[] words in commands)
        {
            switch (words)
            {
                case ["dotnet", "tool", "install", "-g", string package]:
                    // Installing is what the packed-tool check in .ci/run does; here the package must be this CLI.
                    XElement project = XElement.Load(Path.Combine(RepositoryFiles.Root, "src", "TensorGuard.Cli", "TensorGuard.Cli.csproj"));
                    Assert.Equal(package, project.Descendants("PackageId").Single().Value);
                    Assert.Equal("tensorguard", project.Descendants("ToolCommandName").Single().Value);
                    break;
                case ["docker", "run", ..]:
                    // No Docker engine here: DockerRecipeTests replays the recipe.
                    break;
                case ["tensorguard", "policy", "add-base", string model, ..]:
                    baseName = Option(words, "--name");
                    string family = Option(words, "--family");
                    TestModels.Create(Enum.Parse<ModelFamily>(family, ignoreCase: true), seed: 21).Save(Path.Combine(_repository, model));
                    Expect(words, Tensorguard(words), 0);
                    break;
                case ["tensorguard", "check", ..]:
                    Assert.NotNull(baseName);
                    foreach (string model in Positionals(words).Where(m => !Path.Exists(Path.Combine(_repository, m))))
                    {
                        TestModels.Create(ModelFamily.Llama, seed: 21).FineTune(0.05, seed: 3)
                            .WithCard(card => card with { License = "apache-2.0", ModelName = "My-Model" })
                            .Save(Path.Combine(_repository, model));
                    }

                    CliResult check = Tensorguard(words);
                    Expect(words, check, 0, 2);
                    // The policy the walk-through wrote was found, and the base it added decided the lineage.
                    Assert.DoesNotContain("no repository policy found", check.Output + check.Error, StringComparison.Ordinal);
                    if (!words.Contains("--quiet"))
                    {
                        Assert.Contains($"derived from {baseName}", check.Output + check.Error, StringComparison.Ordinal);
                    }

                    break;
                case ["tensorguard", "policy", "init", ..]:
                    Expect(words, Tensorguard(words), 0);
                    Assert.True(File.Exists(Path.Combine(_repository, ".github", "tensorguard.yml")), "policy init wrote no .github/tensorguard.yml");
                    break;
                case ["tensorguard", ..]:
                    Expect(words, Tensorguard(words), 0);
                    break;
                default:
                    Assert.Fail($"the walk-through has a command this test cannot replay: {string.Join(' ', words)}");
                    break;
            }
        }
    }

    /// <summary>Runs one command in the repository; a trailing <c>&gt; FILE</c> writes its standard output there.</summary>
    private CliResult Tensorguard(string[] words)
    {
        int redirect = Array.IndexOf(words, ">");
        string[] arguments = redirect < 0 ? words[1..] : words[1..redirect];
        // The cache is the only thing kept outside the repository, so that the run leaves the reader's cache alone.
        CliResult result = CliProcess.Run(_repository, new Dictionary<string, string> { ["TENSORGUARD_CACHE_DIR"] = _cache }, arguments);
        if (redirect >= 0)
        {
            File.WriteAllText(Path.Combine(_repository, words[redirect + 1]), result.Output);
        }

        return result;
    }

    private static void Expect(string[] words, CliResult result, params int[] exitCodes) =>
        Assert.True(exitCodes.Contains(result.ExitCode), $"`{string.Join(' ', words)}` exited {result.ExitCode}:\n{result.Error}\n{result.Output}");

    private static string Option(string[] words, string name)
    {
        int at = Array.IndexOf(words, name);
        Assert.True(at > 0 && at + 1 < words.Length, $"`{string.Join(' ', words)}` has no {name}");
        return words[at + 1];
    }

    /// <summary>The model paths of a <c>check</c>, as the CLI's own parser reads its arguments.</summary>
    private static IEnumerable<string> Positionals(string[] words)
    {
        int redirect = Array.IndexOf(words, ">");
        ParseResult parsed = TensorGuardCommand.Create().Parse(redirect < 0 ? words[1..] : words[1..redirect]);
        Assert.Empty(parsed.Errors);
        return parsed.CommandResult.Children.OfType<ArgumentResult>().SelectMany(argument => argument.Tokens.Select(token => token.Value));
    }
}
