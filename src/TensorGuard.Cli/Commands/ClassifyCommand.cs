using System.CommandLine;
using System.Text.Json;
using TensorGuard.Core;
using TensorGuard.Core.Classification;
using TensorGuard.Core.Fingerprints;
using TensorGuard.Core.Policy;

namespace TensorGuard.Cli.Commands;

/// <summary><c>tensorguard classify INPUT... --policy FILE</c>: which family of the policy each model belongs to.</summary>
internal static class ClassifyCommand
{
    private static readonly Argument<string[]> Inputs = new("MODEL_OR_FINGERPRINT")
    {
        Description = "Fingerprint JSON files (TensorGuard's or the reference's flat format).",
        Arity = ArgumentArity.OneOrMore,
    };

    private static readonly Option<FileInfo> Policy = ClassificationOptions.Policy();
    private static readonly Option<ClassifierMethod> Method = ClassificationOptions.Method();
    private static readonly Option<bool> Json = ClassificationOptions.Json();
    private static readonly Option<FileInfo?> Plot = ClassificationOptions.Plot();

    public static Command Create()
    {
        var command = new Command("classify", "Classify models into the policy's families: nearest base, distances, confidence, unknown.")
        {
            Inputs,
            Policy,
            Method,
            Json,
            Plot,
        };
        command.SetAction(parseResult => CommandRunner.Run(parseResult, context => Execute(parseResult, context)));
        return command;
    }

    private static ExitCode Execute(ParseResult parseResult, CommandContext context)
    {
        PolicyDocument policy = PolicyLoader.Load(parseResult.GetRequiredValue(Policy).FullName);
        var classifier = new FamilyClassifier(PolicyReferences.Load(policy), parseResult.GetValue(Method));
        var queries = parseResult.GetRequiredValue(Inputs).Select(Load).ToArray();
        ClassificationRun run = classifier.Classify(queries);

        if (parseResult.GetValue(Json))
        {
            context.Output.WriteLine(JsonSerializer.Serialize(run.Results.Select(r => ClassificationJson.Of(run, r)), CliJson.Options));
        }
        else
        {
            ClassificationText.Write(run, context.Output);
        }

        if (parseResult.GetValue(Plot) is { } plot)
        {
            ClassificationPlot.Save(run, plot.FullName, $"Family classification ({ClassificationOptions.NameOf(run.Method)} method)", misclassified: new HashSet<string>());
            context.Error.WriteLine($"plot written to {plot.FullName}");
        }

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
