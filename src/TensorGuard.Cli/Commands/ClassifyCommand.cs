using System.CommandLine;
using System.Text.Json;
using TensorGuard.Core;
using TensorGuard.Core.Classification;
using TensorGuard.Core.Fingerprints;

namespace TensorGuard.Cli.Commands;

/// <summary><c>tensorguard classify INPUT... --policy FILE</c>: which family of the policy each model belongs to.</summary>
internal static class ClassifyCommand
{
    private static readonly Argument<string[]> Inputs = new("MODEL_OR_FINGERPRINT")
    {
        Description = "Fingerprint JSON files (TensorGuard's or the reference's flat format).",
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
        var queries = parseResult.GetRequiredValue(Inputs).Select(Load).ToArray();
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

    private static NamedFeatures Load(string path)
    {
        if (!FingerprintReader.IsFingerprintPath(path))
        {
            throw new InvalidInputException($"{path}: not a fingerprint file; write one with `tensorguard fingerprint MODEL --output FILE.json` and classify that.");
        }

        return PolicyReferences.Query(FingerprintReader.Read(path), path);
    }
}
