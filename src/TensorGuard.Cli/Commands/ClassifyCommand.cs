using System.CommandLine;
using System.Text.Json;
using TensorGuard.Core.Classification;

namespace TensorGuard.Cli.Commands;

/// <summary><c>tensorguard classify INPUT... --policy FILE</c>: which family of the policy each model belongs to.</summary>
internal static class ClassifyCommand
{
    private static readonly Argument<string[]> Inputs = new("MODEL_OR_FINGERPRINT")
    {
        Description = "Models (a .safetensors file, an index.json or a folder), fingerprinted on the fly, or fingerprint JSON files (TensorGuard's or the reference's flat format).",
        Arity = ArgumentArity.OneOrMore,
    };

    private static readonly ClassificationOptions Shared = new();

    public static Command Create()
    {
        var command = new Command("classify", "Classify models into the policy's families: nearest base, distances, confidence, unknown.")
        {
            Inputs,
        };
        Shared.All.ToList().ForEach(command.Options.Add);
        command.SetAction(parseResult => CommandRunner.Run(parseResult, context => Execute(parseResult, context)));
        return command;
    }

    private static ExitCode Execute(ParseResult parseResult, CommandContext context)
    {
        (_, FamilyClassifier classifier) = Shared.LoadClassifier(parseResult);
        var inputs = new FingerprintInputs(context);
        var queries = parseResult.GetRequiredValue(Inputs).Select(path => PolicyReferences.Query(inputs.Load(path), path)).ToArray();
        ClassificationRun run = classifier.Classify(queries);

        if (parseResult.GetValue(Shared.Json))
        {
            context.Output.WriteLine(JsonSerializer.Serialize(run.Results, CliJson.Options));
        }
        else
        {
            ClassificationText.Write(run, context.Output);
        }

        Shared.WritePlot(parseResult, context, run, "", new HashSet<string>());
        return ExitCode.Success;
    }
}
