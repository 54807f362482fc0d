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
/// <c>tensorguard eval --policy FILE --labels TSV DIR...</c>: classifies labelled fingerprints against the
/// policy's bases and references (never against themselves) and scores the result; with
/// <c>--cross-validate</c>, leave-one-out and leave-one-family-out over every labelled model.
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

    private static readonly Option<bool> CrossValidate = new("--cross-validate")
    {
        Description = "Score every labelled model (the policy's bases and references and the fingerprints given) by leave-one-out, and unknown detection by leave-one-family-out.",
    };

    private static readonly ClassificationOptions Shared = new();

    public static Command Create()
    {
        var command = new Command("eval", "Measure family classification on labelled fingerprints: accuracy, precision/recall, confusion matrix.")
        {
            Inputs,
            Labels,
            CrossValidate,
        };
        Shared.All.ToList().ForEach(command.Options.Add);
        command.SetAction(parseResult => CommandRunner.Run(parseResult, context => Execute(parseResult, context)));
        return command;
    }

    private static ExitCode Execute(ParseResult parseResult, CommandContext context)
    {
        PolicyDocument policy = Shared.LoadPolicy(parseResult);
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

        if (parseResult.GetValue(CrossValidate))
        {
            return WriteCrossValidation(parseResult, context, policy, queries, labels);
        }

        FamilyClassifier classifier = Shared.LoadClassifier(parseResult, policy, queries.Select(q => q.Name).ToHashSet(StringComparer.OrdinalIgnoreCase));
        ClassificationRun run = classifier.Classify(queries);
        FamilyEvaluation evaluation = FamilyEvaluation.Score(run, labels);

        if (parseResult.GetValue(Shared.Json))
        {
            context.Output.WriteLine(JsonSerializer.Serialize(EvaluationJson.Of(run, evaluation, skipped), JsonSettings.Serializer));
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

    /// <summary>
    /// Cross-validates over the policy's bases and references plus the labelled <paramref name="queries"/> that the
    /// policy does not already hold (by name).
    /// </summary>
    private static ExitCode WriteCrossValidation(ParseResult parseResult, CommandContext context, PolicyDocument policy, List<NamedFeatures> queries, IReadOnlyDictionary<string, string> labels)
    {
        IReadOnlyList<ReferenceBase> bases = PolicyReferences.Load(policy);
        IReadOnlyList<ReferenceBase> policyReferences = PolicyReferences.LoadLabelled(policy);
        var held = policyReferences.Select(r => r.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        ReferenceBase[] references =
        [
            .. policyReferences,
            .. queries.Where(q => held.Add(q.Name)).Select(q => new ReferenceBase(q.Name, labels[q.Name], q.Features)),
        ];
        ClassifierMethod method = parseResult.GetValue(Shared.Method) ?? ClassifierMethod.TensorGuard;
        IReadOnlyList<FamilyHoldOut> families = CrossValidation.Run(bases, references, method);

        if (parseResult.GetValue(Shared.Json))
        {
            context.Output.WriteLine(JsonSerializer.Serialize(new CrossValidationJson(method, families), JsonSettings.Serializer));
            return ExitCode.Success;
        }

        var invariant = CultureInfo.InvariantCulture;
        TextWriter output = context.Output;
        int total = families.Sum(f => f.LeaveOneOut.Count);
        int correct = families.Sum(f => f.Correct);
        output.WriteLine(string.Create(invariant, $"method {ClassificationOptions.NameOf(method)}, leave-one-out over {total} labelled models: {correct}/{total} correct ({(double)correct / total:P1}), {families.Sum(f => f.FalseUnknown)} false unknown"));
        output.WriteLine();
        int width = Math.Max(8, families.Max(f => f.Family.Length));
        output.WriteLine($"{"family".PadRight(width)}  models  correct  false-unknown  missed-unknown (family left out)");
        foreach (FamilyHoldOut family in families)
        {
            string missed = family.LeaveFamilyOut.Count == 0 ? "-" : string.Create(invariant, $"{family.MissedUnknown}/{family.LeaveFamilyOut.Count}");
            output.WriteLine(string.Create(invariant, $"{family.Family.PadRight(width)}  {family.LeaveOneOut.Count,6}  {family.Correct,7}  {family.FalseUnknown,13}  {missed,14}"));
        }

        int leftOut = families.Sum(f => f.LeaveFamilyOut.Count);
        output.WriteLine();
        output.WriteLine(string.Create(invariant, $"unknown detection: false-unknown {families.Sum(f => f.FalseUnknown)}/{total} (leave-one-out), missed-unknown {families.Sum(f => f.MissedUnknown)}/{leftOut} (leave-one-family-out)"));
        if (method == ClassifierMethod.TensorGuard)
        {
            var nested = CrossValidation.NestedLeaveOneOut(bases, references);
            string chosen = string.Join(", ", nested.GroupBy(n => n.Tuning).OrderBy(g => g.Key.Shrinkage).ThenBy(g => g.Key.ContributionCap)
                .Select(g => string.Create(invariant, $"{g.Key.Describe()} in {g.Count()}")));
            output.WriteLine(string.Create(invariant, $"nested leave-one-out (ν and cap chosen among {CrossValidation.TuningGrid.Count} grid points on the other models each time): {nested.Count(n => n.Result.Correct)}/{nested.Count} correct; chosen {chosen}"));
        }

        var wrong = families.SelectMany(f => f.LeaveOneOut).Where(r => !r.Correct).ToArray();
        output.WriteLine(wrong.Length == 0 ? "misclassified (leave-one-out): none" : "misclassified (leave-one-out):");
        foreach (HeldOutResult miss in wrong)
        {
            output.WriteLine($"  {UntrustedText.Printable(miss.Name)}: labelled {miss.Expected}, classified {miss.Predicted} (nearest {UntrustedText.Printable(miss.NearestReference)})");
        }

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

/// <summary>The JSON shape of a cross-validation.</summary>
internal sealed record CrossValidationJson(ClassifierMethod Method, IReadOnlyList<FamilyHoldOut> Families);

/// <summary>Precision and recall of one family in JSON (null where undefined).</summary>
internal sealed record FamilyScoreJson(string Family, double? Precision, double? Recall, int Support);
