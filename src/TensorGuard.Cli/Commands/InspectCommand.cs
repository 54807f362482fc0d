using System.CommandLine;
using System.Text.Json;
using TensorGuard.Core;
using TensorGuard.Core.Formats;
using TensorGuard.Core.Reporting;

namespace TensorGuard.Cli.Commands;

/// <summary><c>tensorguard inspect MODEL...</c>: what a model artifact holds; reads the weights only for <c>--scan</c>.</summary>
internal static class InspectCommand
{
    private static readonly Argument<string[]> Models = new("MODEL")
    {
        Description = "A model file (safetensors, GGUF, ONNX, TFLite, PyTorch), a sharded index, a model directory, a PEFT adapter folder, or a model on the Hugging Face Hub (hf://ORG/NAME[@REVISION][/PATH], read by byte ranges).",
        Arity = ArgumentArity.OneOrMore,
    };

    private static readonly Option<bool> Json = new("--json") { Description = "Print JSON for machines." };

    private static readonly Option<bool> EveryTensor = new("--tensors") { Description = "List every tensor instead of folding repeated layers into one line each." };

    private static readonly Option<bool> Scan = new("--scan") { Description = "Also read every weight and report NaN and infinite values (reads the whole model)." };

    private static readonly Option<string?> Base = BaseModelOption.Create();

    public static Command Create()
    {
        var command = new Command("inspect", "Show the tensors, shards, metadata and architecture of model artifacts.")
        {
            Models,
            Json,
            EveryTensor,
            Scan,
            Base,
        };
        command.SetAction(parseResult => CommandRunner.Run(parseResult, context => Execute(parseResult, context)));
        return command;
    }

    private static ExitCode Execute(ParseResult parseResult, CommandContext context) =>
        Inspect(
            parseResult.GetRequiredValue(Models),
            new InspectOptions(parseResult.GetValue(Json), parseResult.GetValue(EveryTensor), parseResult.GetValue(Scan), parseResult.GetValue(Base)),
            context.Output);

    /// <summary>Inspects each path and prints the result; shared with <c>tensorguard demo</c>.</summary>
    internal static ExitCode Inspect(IEnumerable<string> paths, InspectOptions options, TextWriter output)
    {
        var inspections = new List<ModelInspection>();
        foreach (string path in paths)
        {
            inspections.Add(ModelInspection.Of(path, options.BaseModel, options.Scan, HubAccess.For(path, options.BaseModel)));
        }

        if (options.Json)
        {
            output.WriteLine(JsonSerializer.Serialize(inspections, JsonSettings.Serializer));
        }
        else
        {
            inspections.ForEach(inspection => InspectionText.Write(inspection, options.EveryTensor, output));
        }

        return ExitCode.Success;
    }
}

/// <summary>How <c>inspect</c> prints: JSON or text, every tensor or folded layers, with or without a weight scan; the base adapters merge into.</summary>
internal sealed record InspectOptions(bool Json, bool EveryTensor, bool Scan, string? BaseModel = null);
