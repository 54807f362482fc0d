using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using TensorGuard.GitHub;
using TensorGuard.ModelFactory;

namespace TensorGuard.Cli.Tests;

/// <summary>
/// Keeps the Dockerfile, action.yml and <c>dotnet publish</c> consistent. No Docker engine is available to the
/// tests, so they check what the image build and the runner would rely on instead of building the image.
/// </summary>
public sealed class ContainerImageTests
{
    private const string CliProject = "src/TensorGuard.Cli/TensorGuard.Cli.csproj";
    private static readonly IReadOnlyList<DockerInstruction> Dockerfile =
        DockerfileInstructions.Parse(File.ReadAllText(RepositoryPath("Dockerfile")));

    private static string RepositoryPath(string relative) => Path.Combine(RepositoryFiles.Root, relative);

    private static int FinalStage => Dockerfile.Max(i => i.Stage);

    private static DockerInstruction Run(string command) => Assert.Single(Dockerfile, i => i.Keyword == "RUN" && i.Arguments.Contains(command));

    /// <summary>The value after <paramref name="option"/> in the publish command.</summary>
    private static string PublishArgument(string option)
    {
        string[] words = DockerfileInstructions.Words(Run("dotnet publish"));
        int at = Array.IndexOf(words, option);
        Assert.True(at >= 0, $"dotnet publish in the Dockerfile has no {option}");
        return words[at + 1];
    }

    [Fact]
    public void Dockerfile_AnyStage_SetsNeitherUserNorWorkdir() =>
        Assert.DoesNotContain(Dockerfile, i => i.Keyword is "USER" or "WORKDIR");

    [Fact]
    public void Dockerfile_BuildStageCopies_NameFilesThatExist()
    {
        foreach (DockerInstruction copy in Dockerfile.Where(i => i.Keyword == "COPY" && DockerfileInstructions.Option(i, "from") is null))
        {
            foreach (string source in DockerfileInstructions.Words(copy)[..^1])
            {
                Assert.True(File.Exists(RepositoryPath(source)) || Directory.Exists(RepositoryPath(source)),
                    $"Dockerfile copies {source}, which is not in the repository");
            }
        }
    }

    [Fact]
    public void Dockerfile_RestoreLayer_CopiesEverythingRestoreReadsToItsRepositoryPath()
    {
        int restore = Dockerfile.ToList().IndexOf(Run("dotnet restore"));
        var copied = new List<string>();
        foreach (DockerInstruction copy in Dockerfile.Take(restore).Where(i => i.Keyword == "COPY"))
        {
            string[] words = DockerfileInstructions.Words(copy);
            foreach (string source in words[..^1])
            {
                string directory = source.EndsWith('/') ? source : Path.GetDirectoryName(source) is { Length: > 0 } parent ? parent + "/" : string.Empty;
                Assert.True("/src/" + directory == words[^1], $"Dockerfile copies {source} to {words[^1]} instead of /src/{directory}");
                copied.Add(source);
            }
        }

        foreach (string needed in RestoreInputs())
        {
            Assert.True(copied.Any(source => needed == source || (source.EndsWith('/') && needed.StartsWith(source, StringComparison.Ordinal))),
                $"the restore layer does not copy {needed}, which restoring {CliProject} reads");
        }
    }

    /// <summary>Every project the CLI references (transitively), the Directory.* files above them, and what those import.</summary>
    private static SortedSet<string> RestoreInputs()
    {
        var inputs = new SortedSet<string>(StringComparer.Ordinal) { "global.json", "Directory.Packages.props" };
        var pending = new Stack<string>([CliProject]);
        while (pending.TryPop(out string? project))
        {
            if (!inputs.Add(project))
            {
                continue;
            }

            for (string? directory = Path.GetDirectoryName(project); !string.IsNullOrEmpty(directory); directory = Path.GetDirectoryName(directory))
            {
                AddIfExists(inputs, Path.Combine(directory, "Directory.Build.props"));
            }

            foreach (XElement reference in XDocument.Load(RepositoryPath(project)).Descendants("ProjectReference"))
            {
                string path = Path.GetRelativePath(RepositoryFiles.Root,
                    Path.GetFullPath(Path.Combine(RepositoryPath(Path.GetDirectoryName(project)!), reference.Attribute("Include")!.Value.Replace('\\', '/'))));
                pending.Push(path.Replace('\\', '/'));
            }
        }

        foreach (string root in new[] { "Directory.Build.props", "Directory.Build.targets" })
        {
            inputs.Add(root);
            foreach (XElement import in XDocument.Load(RepositoryPath(root)).Descendants("Import"))
            {
                inputs.Add(import.Attribute("Project")!.Value.Replace('\\', '/'));
            }
        }

        return inputs;
    }

    private static void AddIfExists(SortedSet<string> inputs, string path)
    {
        if (File.Exists(RepositoryPath(path)))
        {
            inputs.Add(path.Replace('\\', '/'));
        }
    }

    [Fact]
    public void Dockerfile_FinalStage_CopiesOnlyThePublishOutputFromTheBuildStage()
    {
        string publishDirectory = PublishArgument("-o").TrimEnd('/');
        DockerInstruction[] copies = Dockerfile.Where(i => i.Stage == FinalStage && i.Keyword is "COPY" or "ADD").ToArray();

        DockerInstruction copy = Assert.Single(copies);
        Assert.Equal("build", DockerfileInstructions.Option(copy, "from"));
        Assert.Equal(publishDirectory, DockerfileInstructions.Words(copy)[0].TrimEnd('/'));
        Assert.Equal(CliProject, PublishArgument("publish").Replace("/src/", string.Empty, StringComparison.Ordinal));
    }

    [Fact]
    public void Dockerfile_Entrypoint_IsTheAppHostThatPublishProduces()
    {
        DockerInstruction copy = Assert.Single(Dockerfile, i => i.Stage == FinalStage && i.Keyword == "COPY");
        string installed = DockerfileInstructions.Words(copy)[^1].TrimEnd('/');
        string[] entrypoint = JsonSerializer.Deserialize<string[]>(Assert.Single(Dockerfile, i => i.Keyword == "ENTRYPOINT").Arguments)!;

        (string assemblyName, HashSet<string> published) = PublishList(PublishArgument("-c"));

        Assert.Equal([$"{installed}/{assemblyName}"], entrypoint);
        Assert.Contains(assemblyName, published);
        // TorchSharp finds LibTorch next to the app: the native libraries must be published flat, not under runtimes/.
        Assert.Contains("libLibTorchSharp.so", published);
        Assert.Contains("libtorch_cpu.so", published);
    }

    /// <summary>The files <c>dotnet publish</c> would write, by relative path, computed by MSBuild without copying them.</summary>
    private static (string AssemblyName, HashSet<string> Files) PublishList(string configuration)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList =
            {
                "msbuild", RepositoryPath(CliProject), "-nologo", "-t:ComputeResolvedFilesToPublishList",
                "-getItem:ResolvedFileToPublish", "-getProperty:AssemblyName", $"-p:Configuration={configuration}",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryFiles.Root,
        };
        foreach (string variable in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToArray())
        {
            start.Environment.Remove(variable);
        }

        using Process process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"dotnet msbuild failed: {output}{error.Result}");

        using var json = JsonDocument.Parse(output);
        string assemblyName = json.RootElement.GetProperty("Properties").GetProperty("AssemblyName").GetString()!;
        var files = json.RootElement.GetProperty("Items").GetProperty("ResolvedFileToPublish").EnumerateArray()
            .Select(item => item.GetProperty("RelativePath").GetString()!.Replace('\\', '/'))
            .ToHashSet(StringComparer.Ordinal);
        return (assemblyName, files);
    }

    [Fact]
    public void ActionYml_Args_AreTheImageCmdAndACommandOfTheCli()
    {
        ActionMetadata action = ActionMetadata.Load();
        string[] cmd = JsonSerializer.Deserialize<string[]>(Assert.Single(Dockerfile, i => i.Keyword == "CMD").Arguments)!;

        Assert.Equal(cmd, action.Args);
        Assert.Contains(TensorGuardCommand.Create().Subcommands, command => command.Name == action.Args[0]);
    }

    [Fact]
    public void ActionYml_Image_IsAPrebuiltImageWithAnExactVersion()
    {
        ActionMetadata action = ActionMetadata.Load();

        Assert.Equal("docker", action.Using);
        Assert.Matches(new Regex(@"^docker://ghcr\.io/[a-z0-9-]+/[a-z0-9-]+:\d+\.\d+\.\d+$"), action.Image);
    }

    [Fact]
    public void ActionYml_Inputs_AreExactlyTheOnesTheActionReads()
    {
        ActionMetadata action = ActionMetadata.Load();
        var environment = new RecordingEnvironment(new Dictionary<string, string> { ["INPUT_MODELS"] = "m" });

        ActionInputs.Read(new ActionEnvironment(environment));

        Assert.Equal(action.Inputs.Keys.Select(ActionEnvironment.InputVariable).Order(), environment.Read.Where(n => n.StartsWith("INPUT_", StringComparison.Ordinal)).Order());
    }

    [Fact]
    public void ActionYml_Defaults_AreTheActionsOwnDefaults()
    {
        ActionMetadata action = ActionMetadata.Load();
        var withDefaults = action.Inputs
            .Where(input => input.Value.Default is { } value && !value.Contains("${{", StringComparison.Ordinal))
            .ToDictionary(input => ActionEnvironment.InputVariable(input.Key), input => input.Value.Default!);
        withDefaults["INPUT_MODELS"] = "m";

        ActionInputs fromYaml = ActionInputs.Read(new ActionEnvironment(withDefaults));
        ActionInputs builtIn = ActionInputs.Read(new ActionEnvironment(new Dictionary<string, string> { ["INPUT_MODELS"] = "m" }));

        Assert.Equal(builtIn with { Models = fromYaml.Models }, fromYaml);
        Assert.Equal("${{ github.token }}", action.Inputs["github-token"].Default);
        Assert.False(action.Inputs["models"].Required);
    }

    /// <summary>An environment that remembers which variables were looked up.</summary>
    private sealed class RecordingEnvironment(Dictionary<string, string> values) : IReadOnlyDictionary<string, string>
    {
        public HashSet<string> Read { get; } = new(StringComparer.Ordinal);

        public string this[string key] => values[key];

        public IEnumerable<string> Keys => values.Keys;

        public IEnumerable<string> Values => values.Values;

        public int Count => values.Count;

        public bool ContainsKey(string key) => TryGetValue(key, out _);

        public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out string value)
        {
            Read.Add(key);
            return values.TryGetValue(key, out value);
        }

        public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => values.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
