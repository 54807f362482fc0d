using System.CommandLine;
using System.Text.Json;
using TensorGuard.Core;
using TensorGuard.Core.Classification;
using TensorGuard.Core.Fingerprints;
using TensorGuard.Core.Reporting;

namespace TensorGuard.Cli.Commands;

/// <summary>
/// <c>tensorguard classify INPUT... --policy FILE</c>: which family of the policy each model belongs to, and whether
/// the lineage method confirms derivation from the nearest base.
/// </summary>
internal static class ClassifyCommand
{
    private static readonly Argument<string[]> Inputs = new("MODEL_OR_FINGERPRINT")
    {
        Description = $"Models ({PolicyHelp.ModelInputs}), fingerprinted on the fly, or fingerprint JSON files (TensorGuard's or the reference's flat format).",
        Arity = ArgumentArity.OneOrMore,
    };

    private static readonly ClassificationOptions Shared = new();

    private static readonly Option<string?> Base = BaseModelOption.Create();

    public static Command Create()
    {
        var command = new Command("classify", "Classify models into the policy's families: nearest base, distances, confidence, unknown.")
        {
            Inputs,
            Base,
        };
        Shared.All.ToList().ForEach(command.Options.Add);
        command.SetAction(parseResult => CommandRunner.Run(parseResult, context => Execute(parseResult, context)));
        return command;
    }

    private static ExitCode Execute(ParseResult parseResult, CommandContext context)
    {
        FamilyClassifier classifier = Shared.LoadClassifier(parseResult, Shared.LoadPolicy(parseResult));
        var inputs = new FingerprintInputs(context, parseResult.GetValue(Base));
        string[] paths = parseResult.GetRequiredValue(Inputs);
        FingerprintDocument[] documents = paths.Select(inputs.Load).ToArray();
        ClassificationRun classified = classifier.Classify(documents.Select((document, i) => PolicyReferences.Query(document, paths[i])).ToArray());
        ClassificationRun run = classified with
        {
            Results = classified.Results
                .Select((result, i) => result with { NearestBaseLineage = NearestBaseLineage.Confirm(result, classified.Bases, documents[i].Lineage) })
                .ToArray(),
        };

        if (parseResult.GetValue(Shared.Json))
        {
            context.Output.WriteLine(JsonSerializer.Serialize(run.Results, JsonSettings.Serializer));
        }
        else
        {
            ClassificationText.Write(run, context.Output);
        }

        Shared.WritePlot(parseResult, context, run, "", new HashSet<string>());
        return ExitCode.Success;
    }
}
