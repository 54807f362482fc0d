using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using TensorGuard.Core;
using TensorGuard.Core.Classification;
using TensorGuard.Core.Fingerprints;
using TensorGuard.Core.Formats;
using TensorGuard.Core.Policy;

namespace TensorGuard.Cli.Commands;

/// <summary>
/// <c>tensorguard eval --policy FILE --labels TSV DIR...</c>: classifies labelled fingerprints with the
/// policy's bases as the only references and scores the result.
/// </summary>
internal static class EvalCommand
{
    private static readonly Argument<string[]> Inputs = new("FINGERPRINT_DIR")
    {
        Description = "Folders searched recursively for *.json fingerprints, or fingerprint files.",
        Arity = ArgumentArity.OneOrMore,
    };

    private static readonly Option<FileInfo> Labels = new("--labels")
    {
        Description = "Tab-separated file with columns model_name and family (header row first).",
        Required = true,
    };

    private static readonly ClassificationOptions Shared = new();

    public static Command Create()
    {
        var command = new Command("eval", "Measure family classification on labelled fingerprints: accuracy, precision/recall, confusion matrix.")
        {
            Inputs,
            Labels,
        };
        Shared.All.ToList().ForEach(command.Options.Add);
        command.SetAction(parseResult => CommandRunner.Run(parseResult, context => Execute(parseResult, context)));
        return command;
    }

    private static ExitCode Execute(ParseResult parseResult, CommandContext context)
    {
        (PolicyDocument policy, FamilyClassifier classifier) = Shared.LoadClassifier(parseResult);
        IReadOnlyDictionary<string, string> labels = FamilyLabels.Read(parseResult.GetRequiredValue(Labels).FullName);
        var baseNames = policy.Bases.Select(b => b.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);

        var queries = new List<NamedFeatures>();
        var skipped = new List<SkippedFingerprint>();
        foreach (string path in parseResult.GetRequiredValue(Inputs).SelectMany(Files))
        {
            NamedFeatures query = PolicyReferences.Query(FingerprintReader.Read(path), path);
            if (baseNames.Contains(query.Name))
            {
                // Scoring a base against itself would only inflate the accuracy.
                skipped.Add(new SkippedFingerprint(path, query.Name, "is a base of the policy"));
            }
            else if (!labels.ContainsKey(query.Name))
            {
                skipped.Add(new SkippedFingerprint(path, query.Name, "has no label"));
            }
            else
            {
                queries.Add(query);
            }
        }

        if (queries.Count == 0)
        {
            throw new InvalidInputException("no labelled fingerprint to evaluate: pass folders of *.json fingerprints whose model names appear in the labels file.");
        }

        ClassificationRun run = classifier.Classify(queries);
        FamilyEvaluation evaluation = FamilyEvaluation.Score(run, labels);

        if (parseResult.GetValue(Shared.Json))
        {
            context.Output.WriteLine(JsonSerializer.Serialize(EvaluationJson.Of(run, evaluation, skipped), CliJson.Options));
        }
        else
        {
            WriteText(run, evaluation, skipped, context.Output);
        }

        Shared.WritePlot(
            parseResult,
            context,
            run,
            string.Create(CultureInfo.InvariantCulture, $": {evaluation.Correct}/{evaluation.Total} correct ({evaluation.Accuracy:P1})"),
            evaluation.Misclassified.Select(m => m.Name).ToHashSet(StringComparer.Ordinal));
        return ExitCode.Success;
    }

    private static IEnumerable<string> Files(string input)
    {
        if (File.Exists(input))
        {
            return [input];
        }

        if (!Directory.Exists(input))
        {
            throw new InvalidInputException($"{input}: no such file or folder; pass folders of fingerprint *.json files.");
        }

        return Directory.EnumerateFiles(input, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal);
    }

    private static void WriteText(ClassificationRun run, FamilyEvaluation evaluation, List<SkippedFingerprint> skipped, TextWriter output)
    {
        var invariant = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(invariant, $"method {ClassificationOptions.NameOf(run.Method)}: {evaluation.Correct}/{evaluation.Total} correct, accuracy {evaluation.Accuracy:P1}"));
        output.WriteLine(string.Create(invariant, $"K-Means clusters (seeded at the bases): {evaluation.ClusterCorrect}/{evaluation.Total} in the right family ({evaluation.ClusterAccuracy:P1})"));
        output.WriteLine(string.Create(invariant, $"unknown beyond distance {run.UnknownThreshold:F2}"));
        output.WriteLine();

        int width = Math.Max(8, evaluation.Classes.Max(c => c.Length));
        output.WriteLine($"{"family".PadRight(width)}  precision  recall  support");
        foreach (FamilyScore score in evaluation.Families.Where(s => s.Support > 0 || s.Predicted > 0))
        {
            output.WriteLine(string.Create(invariant, $"{score.Family.PadRight(width)}  {Percent(score.Precision),9}  {Percent(score.Recall),6}  {score.Support,7}"));
        }

        output.WriteLine();
        output.WriteLine("confusion matrix (rows: labelled family, columns: predicted)");
        output.WriteLine(new string(' ', width) + string.Concat(evaluation.Classes.Select(c => "  " + c.PadLeft(width))));
        for (int row = 0; row < evaluation.Classes.Count; row++)
        {
            output.WriteLine(evaluation.Classes[row].PadRight(width) + string.Concat(evaluation.Confusion[row].Select(n => "  " + n.ToString(invariant).PadLeft(width))));
        }

        output.WriteLine();
        output.WriteLine(evaluation.Misclassified.Count == 0 ? "misclassified: none" : "misclassified:");
        foreach (Misclassification miss in evaluation.Misclassified)
        {
            output.WriteLine($"  {UntrustedText.Printable(miss.Name)}: labelled {miss.Expected}, classified {miss.Predicted} (nearest base {miss.NearestBase})");
        }

        foreach (SkippedFingerprint skip in skipped)
        {
            output.WriteLine($"skipped {skip.Path}: {UntrustedText.Printable(skip.Name)} {skip.Reason}");
        }
    }

    private static string Percent(double? value) => value is { } v ? v.ToString("P1", CultureInfo.InvariantCulture) : "-";
}

/// <summary>A fingerprint found but not evaluated, and why.</summary>
internal sealed record SkippedFingerprint(string Path, string Name, string Reason);

/// <summary>The JSON shape of an evaluation.</summary>
internal sealed record EvaluationJson(
    ClassifierMethod Method,
    int Total,
    int Correct,
    double Accuracy,
    double ClusterAccuracy,
    double UnknownThreshold,
    IReadOnlyList<FamilyScoreJson> Families,
    IReadOnlyList<string> Classes,
    IReadOnlyList<IReadOnlyList<int>> Confusion,
    IReadOnlyList<Misclassification> Misclassified,
    IReadOnlyList<SkippedFingerprint> Skipped,
    IReadOnlyList<FamilyClassification> Results)
{
    public static EvaluationJson Of(ClassificationRun run, FamilyEvaluation evaluation, IReadOnlyList<SkippedFingerprint> skipped) => new(
        run.Method,
        evaluation.Total,
        evaluation.Correct,
        evaluation.Accuracy,
        evaluation.ClusterAccuracy,
        run.UnknownThreshold,
        evaluation.Families.Select(f => new FamilyScoreJson(f.Family, f.Precision, f.Recall, f.Support)).ToArray(),
        evaluation.Classes,
        evaluation.Confusion,
        evaluation.Misclassified,
        skipped,
        run.Results);
}

/// <summary>Precision and recall of one family in JSON (null where undefined).</summary>
internal sealed record FamilyScoreJson(string Family, double? Precision, double? Recall, int Support);
