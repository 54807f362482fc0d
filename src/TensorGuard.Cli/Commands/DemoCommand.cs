using System.CommandLine;
using TensorGuard.Testing;
using TensorGuard.Testing.Demo;

namespace TensorGuard.Cli.Commands;

/// <summary>
/// <c>tensorguard demo [--out DIR]</c>: writes a small demo set of derived models (see <see cref="DemoSet"/>)
/// and analyses it, so a fresh machine can see TensorGuard work with no downloads.
/// </summary>
internal static class DemoCommand
{
    private static readonly Option<DirectoryInfo> Out = new("--out")
    {
        Description = "Folder to write the demo models into.",
        DefaultValueFactory = _ => new DirectoryInfo("tensorguard-demo"),
    };

    public static Command Create()
    {
        var command = new Command("demo", "Generate a small set of derived models with model cards and analyse them.")
        {
            Out,
        };
        command.SetAction(parseResult => CommandRunner.Run(parseResult, context => Execute(parseResult, context)));
        return command;
    }

    private static ExitCode Execute(ParseResult parseResult, CommandContext context)
    {
        string directory = parseResult.GetRequiredValue(Out).FullName;
        DemoSet demo = WriteDemoSet(directory);
        TextWriter output = context.Output;
        output.WriteLine($"Demo set written to {demo.Directory}: {demo.Artifacts.Count} artifacts derived from {demo.Bases.Count} stand-in bases (under bases/).");
        foreach (DemoArtifact artifact in demo.Artifacts)
        {
            output.WriteLine();
            output.WriteLine($"{artifact.Name}: {artifact.Scenario}");
            output.WriteLine($"  declares: {Describe(artifact.Declared)}");
            output.WriteLine($"  truly:    derived from {artifact.TrueBase.Id} ({artifact.TrueBase.License}) by {artifact.Derivation}; {artifact.Use} use");
            output.WriteLine(artifact.Compliant ? "  expected: compliant" : $"  expected: violation ({artifact.Problem})");
        }

        output.WriteLine();
        output.WriteLine("Inspecting the artifacts:");
        return InspectCommand.Inspect(demo.Artifacts.Select(artifact => artifact.Path), new InspectOptions(Json: false, EveryTensor: false, Scan: false), output);
    }

    private static DemoSet WriteDemoSet(string directory)
    {
        try
        {
            return DemoSet.Write(directory);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot write the demo set to {directory} ({error.Message}); choose another folder with --out");
        }
    }

    private static string Describe(ModelCard card)
    {
        var parts = new List<string> { $"name {card.ModelName ?? "(none)"}", $"license {card.LicenseName ?? card.License ?? "(none)"}" };
        parts.Add(card.BaseModel.Count == 0 ? "no base_model" : $"base_model {string.Join(" + ", card.BaseModel)}");
        return string.Join(", ", parts);
    }
}
