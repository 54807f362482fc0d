using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using TensorGuard.Core;
using TensorGuard.Core.Fingerprints;
using TensorGuard.Core.Fingerprints.Lineage;
using TensorGuard.Core.Formats;
using TensorGuard.Core.Reporting;

namespace TensorGuard.Cli.Commands;

/// <summary><c>tensorguard compare A B [--json]</c>: distance, similarity and relatedness of two models or fingerprints.</summary>
internal static class CompareCommand
{
    private static readonly Argument<string> First = new("A") { Description = $"A model ({PolicyHelp.ModelInputs}) or a fingerprint JSON file." };

    private static readonly Argument<string> Second = new("B") { Description = $"A model ({PolicyHelp.ModelInputs}) or a fingerprint JSON file." };

    private const int TextMatches = 5;

    private static readonly Option<bool> Json = new("--json") { Description = "Print JSON for machines." };

    private static readonly Option<string?> Base = BaseModelOption.Create();

    public static Command Create()
    {
        var command = new Command("compare", "Compare two models or fingerprints. With lineage sketches (or a model's weights) on both sides: whether B derives from A, with a p-value; otherwise the gradient distance and whether they look related (same family and architecture).")
        {
            First,
            Second,
            Json,
            Base,
        };
        command.SetAction(parseResult => CommandRunner.Run(parseResult, context => Execute(parseResult, context)));
        return command;
    }

    private static ExitCode Execute(ParseResult parseResult, CommandContext context)
    {
        var inputs = new FingerprintInputs(context, parseResult.GetValue(Base));
        string pathA = parseResult.GetRequiredValue(First);
        string pathB = parseResult.GetRequiredValue(Second);
        FingerprintDocument? a = LoadComparable(inputs, pathA, out NoWeightMatrixException? emptyA);
        FingerprintDocument? b = LoadComparable(inputs, pathB, out NoWeightMatrixException? emptyB);
        if (a is null || b is null)
        {
            return WriteNothingComparable(parseResult, context, pathA, pathB, (emptyA ?? emptyB)!);
        }
        LineageComparison? lineage = Lineage(inputs, a, pathA, b, pathB);
        GradientComparison? gradient = a.Gradient is { } ga && b.Gradient is { } gb ? GradientComparison.Of(ga.Features, gb.Features) : null;
        if (lineage is null && gradient is null)
        {
            a.RequireGradient(pathA);
            b.RequireGradient(pathB);
        }

        string[] notes = Notes(a, b).ToArray();
        var sideA = new Side(a.ModelName, pathA, a.Format);
        var sideB = new Side(b.ModelName, pathB, b.Format);
        if (parseResult.GetValue(Json))
        {
            object result = lineage is null
                ? GradientJson(gradient!, sideA, sideB, notes)
                : new LineageJson(
                    LineageSettings.MethodId, lineage.Similarity, lineage.Verdict == LineageVerdict.Derived, ReportText.Word(lineage.Verdict), lineage.PValue,
                    lineage.Log10PValue, LineageComparison.NullHypothesis, lineage.Reason, lineage.HiddenPermutationUndone, lineage.ComparableViews,
                    lineage.CandidateViews, lineage.Matches, gradient is null ? null : GradientJson(gradient, sideA, sideB, []), sideA, sideB, notes);
            context.Output.WriteLine(JsonSerializer.Serialize(result, JsonSettings.Serializer));
            return ExitCode.Success;
        }

        context.Output.WriteLine($"A: {UntrustedText.Printable(a.ModelName)} ({pathA})");
        context.Output.WriteLine($"B: {UntrustedText.Printable(b.ModelName)} ({pathB})");
        if (lineage is not null)
        {
            WriteLineage(context.Output, lineage);
        }

        if (gradient is not null)
        {
            WriteGradient(context.Output, gradient, primary: lineage is null);
        }

        foreach (string note in notes)
        {
            context.Output.WriteLine($"note: {note}");
        }

        return ExitCode.Success;
    }

    /// <summary>A side's fingerprint, or null (with the reason) when it is a model whose weights hold no matrix to compare.</summary>
    private static FingerprintDocument? LoadComparable(FingerprintInputs inputs, string path, out NoWeightMatrixException? empty)
    {
        try
        {
            empty = null;
            return inputs.Load(path);
        }
        catch (NoWeightMatrixException error)
        {
            empty = error;
            return null;
        }
    }

    /// <summary>
    /// A pair where a side has weights but no matrix: nothing can be compared, so neither derivation nor its
    /// absence is shown. That is a verdict (inconclusive, exit 0), not an input error.
    /// </summary>
    private static ExitCode WriteNothingComparable(ParseResult parseResult, CommandContext context, string pathA, string pathB, NoWeightMatrixException reason)
    {
        string because = $"nothing comparable: {reason.Message}";
        if (parseResult.GetValue(Json))
        {
            context.Output.WriteLine(JsonSerializer.Serialize(new NothingComparableJson(ReportText.Word(LineageVerdict.Inconclusive), because, pathA, pathB), JsonSettings.Serializer));
            return ExitCode.Success;
        }

        context.Output.WriteLine($"A: {pathA}");
        context.Output.WriteLine($"B: {pathB}");
        context.Output.WriteLine($"verdict: {LineageVerdict.Inconclusive.Describe()} ({because})");
        context.Output.WriteLine("related: unknown — the lineage check is inconclusive");
        return ExitCode.Success;
    }

    /// <summary>
    /// Lineage when both sides carry a sketch or one side is a model: a model's weights are checked against the
    /// other side's sketch (when both are models, B's weights against A's sketch); null when a side lacks both.
    /// </summary>
    private static LineageComparison? Lineage(FingerprintInputs inputs, FingerprintDocument a, string pathA, FingerprintDocument b, string pathB)
    {
        bool modelB = !FingerprintReader.IsFingerprintPath(pathB);
        bool modelA = !FingerprintReader.IsFingerprintPath(pathA);
        if (a.Lineage is not { } sketchA || b.Lineage is not { } sketchB)
        {
            return null;
        }

        if (modelB)
        {
            using LoadedModel candidate = inputs.Open(pathB);
            return LineageComparer.Compare(sketchA, candidate);
        }

        if (modelA)
        {
            using LoadedModel candidate = inputs.Open(pathA);
            return LineageComparer.Compare(sketchB, candidate);
        }

        return LineageComparer.Compare(sketchA, sketchB);
    }

    private static void WriteLineage(TextWriter output, LineageComparison lineage)
    {
        var invariant = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(invariant, $"method: {LineageSettings.MethodId}, {lineage.ComparableViews} base tensors matched among {lineage.CandidateViews} candidate tensors"));
        output.WriteLine(string.Create(invariant, $"similarity: {lineage.Similarity:0.000}"));
        output.WriteLine(string.Create(invariant, $"p-value: 10^{lineage.Log10PValue:0.0}"));
        output.WriteLine($"null hypothesis: {LineageComparison.NullHypothesis}");
        output.WriteLine($"verdict: {lineage.Verdict.Describe()} ({lineage.Reason})");
        if (lineage.HiddenPermutationUndone)
        {
            output.WriteLine("note: the candidate's hidden dimension is permuted; the base's features were found again through its anchor tokens");
        }

        output.WriteLine(lineage.Verdict switch
        {
            LineageVerdict.Derived => "related: yes — the weights derive from the base's",
            LineageVerdict.NotDerived => "related: no — no trace of the base's weights",
            _ => "related: unknown — the lineage check is inconclusive",
        });
        foreach (LineageMatch match in lineage.Matches.Take(TextMatches))
        {
            output.WriteLine(string.Create(invariant, $"  {match.BaseView} ~ {match.CandidateView}: similarity {match.Similarity:0.000}, p 10^{match.Log10PValue:0.0}"));
        }

        if (lineage.Matches.Count > TextMatches)
        {
            output.WriteLine($"  … {lineage.Matches.Count - TextMatches} more (see --json)");
        }
    }

    private static void WriteGradient(TextWriter output, GradientComparison comparison, bool primary)
    {
        var invariant = CultureInfo.InvariantCulture;
        string prefix = primary ? "" : "gradient ";
        output.WriteLine(string.Create(invariant, $"{(primary ? "method" : "also")}: {GradientFingerprint.MethodId}, {comparison.Features.Count} features"));
        output.WriteLine(string.Create(invariant, $"{prefix}distance: {comparison.Distance:0.0000} (related at most {GradientComparison.RelatedThreshold})"));
        output.WriteLine(string.Create(invariant, $"{prefix}similarity: {comparison.Similarity:0.000}"));
        if (primary)
        {
            output.WriteLine(comparison.Related
                ? "related: yes — same family and architecture as far as gradient features tell (this does not prove derivation)"
                : "related: no — different architecture or family");
        }
    }

    private static ComparisonJson GradientJson(GradientComparison comparison, Side a, Side b, IReadOnlyList<string> notes) =>
        new(GradientFingerprint.MethodId, comparison.Distance, comparison.Similarity, comparison.Related, GradientComparison.RelatedThreshold, comparison.Features, a, b, notes);

    private static IEnumerable<string> Notes(FingerprintDocument a, FingerprintDocument b)
    {
        if (a.Format != b.Format)
        {
            yield return "one fingerprint comes from the reference implementation, whose probes and tensor choice differ; expect a larger distance between the same weights";
        }
        else if (a.Gradient?.Parameters is { } pa && b.Gradient?.Parameters is { } pb && !pa.Equals(pb))
        {
            yield return "the fingerprints were computed with different parameters; recompute both with this version for a like-for-like distance";
        }
    }

    private sealed record Side(string Name, string Source, FingerprintFormat Format);

    private sealed record NothingComparableJson(string Verdict, string Reason, string A, string B);

    private sealed record LineageJson(
        string Method, double Similarity, bool Related, string Verdict, double PValue, double Log10PValue, string NullHypothesis, string Reason,
        bool HiddenPermutationUndone, int ComparableTensors, int CandidateTensors, IReadOnlyList<LineageMatch> MatchedTensors, ComparisonJson? Gradient,
        Side A, Side B, IReadOnlyList<string> Notes);

    private sealed record ComparisonJson(
        string Method, double Distance, double Similarity, bool Related, double Threshold, IReadOnlyList<string> Features, Side A, Side B, IReadOnlyList<string> Notes);
}
