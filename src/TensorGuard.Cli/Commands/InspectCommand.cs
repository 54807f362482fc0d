using System.CommandLine;
using System.Text.Json;
using TensorGuard.Core.Formats;

namespace TensorGuard.Cli.Commands;

/// <summary><c>tensorguard inspect MODEL...</c>: what a model artifact holds, without reading its weights.</summary>
internal static class InspectCommand
{
    private static readonly Argument<string[]> Models = new("MODEL")
    {
        Description = "A .safetensors file, a model.safetensors.index.json, or a model directory.",
        Arity = ArgumentArity.OneOrMore,
    };

    private static readonly Option<bool> Json = new("--json") { Description = "Print JSON for machines." };

    private static readonly Option<bool> Scan = new("--scan") { Description = "Also read every weight and report NaN and infinite values (reads the whole model)." };

    public static Command Create()
    {
        var command = new Command("inspect", "Show the tensors, shards, metadata and architecture of model artifacts.")
        {
            Models,
            Json,
            Scan,
        };
        command.SetAction(parseResult => CommandRunner.Run(parseResult, context => Execute(parseResult, context)));
        return command;
    }

    private static ExitCode Execute(ParseResult parseResult, CommandContext context) =>
        Inspect(parseResult.GetRequiredValue(Models), parseResult.GetValue(Json), parseResult.GetValue(Scan), context.Output);

    /// <summary>Inspects each path and prints the result; shared with <c>tensorguard demo</c>.</summary>
    internal static ExitCode Inspect(IEnumerable<string> paths, bool json, bool scan, TextWriter output)
    {
        var inspections = new List<ModelInspection>();
        foreach (string path in paths)
        {
            using LoadedModel model = ModelLoader.Open(path);
            inspections.Add(ModelInspection.Of(model, scan));
        }

        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(inspections, CliJson.Options));
        }
        else
        {
            inspections.ForEach(inspection => InspectionText.Write(inspection, output));
        }

        return ExitCode.Success;
    }
}
