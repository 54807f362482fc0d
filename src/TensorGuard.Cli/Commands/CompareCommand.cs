using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using TensorGuard.Core.Fingerprints;
using TensorGuard.Core.Formats;

namespace TensorGuard.Cli.Commands;

/// <summary><c>tensorguard compare A B [--json]</c>: distance, similarity and relatedness of two models or fingerprints.</summary>
internal static class CompareCommand
{
    private static readonly Argument<string> First = new("A") { Description = "A model (file, index or directory) or a fingerprint JSON file." };

    private static readonly Argument<string> Second = new("B") { Description = "A model (file, index or directory) or a fingerprint JSON file." };

    private static readonly Option<bool> Json = new("--json") { Description = "Print JSON for machines." };

    public static Command Create()
    {
        var command = new Command("compare", "Compare the gradient fingerprints of two models: distance, similarity, and whether they look related (same family and architecture).")
        {
            First,
            Second,
            Json,
        };
        command.SetAction(parseResult => CommandRunner.Run(parseResult, context => Execute(parseResult, context)));
        return command;
    }

    private static ExitCode Execute(ParseResult parseResult, CommandContext context)
    {
        var inputs = new FingerprintInputs(context);
        string pathA = parseResult.GetRequiredValue(First);
        string pathB = parseResult.GetRequiredValue(Second);
        FingerprintDocument a = inputs.Load(pathA);
        FingerprintDocument b = inputs.Load(pathB);
        GradientComparison comparison = GradientComparison.Of(a.RequireGradient(pathA).Features, b.RequireGradient(pathB).Features);
        string[] notes = Notes(a, b).ToArray();
        if (parseResult.GetValue(Json))
        {
            var result = new ComparisonJson(
                GradientFingerprint.MethodId, comparison.Distance, comparison.Similarity, comparison.Related, GradientComparison.RelatedThreshold,
                comparison.Features, new Side(a.ModelName, pathA, a.Format), new Side(b.ModelName, pathB, b.Format), notes);
            context.Output.WriteLine(JsonSerializer.Serialize(result, CliJson.Options));
            return ExitCode.Success;
        }

        var invariant = CultureInfo.InvariantCulture;
        context.Output.WriteLine($"A: {UntrustedText.Printable(a.ModelName)} ({pathA})");
        context.Output.WriteLine($"B: {UntrustedText.Printable(b.ModelName)} ({pathB})");
        context.Output.WriteLine(string.Create(invariant, $"method: {GradientFingerprint.MethodId}, {comparison.Features.Count} features"));
        context.Output.WriteLine(string.Create(invariant, $"distance: {comparison.Distance:0.0000} (related at most {GradientComparison.RelatedThreshold})"));
        context.Output.WriteLine(string.Create(invariant, $"similarity: {comparison.Similarity:0.000}"));
        context.Output.WriteLine(comparison.Related
            ? "related: yes — same family and architecture as far as gradient features tell (this does not prove derivation)"
            : "related: no — different architecture or family");
        foreach (string note in notes)
        {
            context.Output.WriteLine($"note: {note}");
        }

        return ExitCode.Success;
    }

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

    private sealed record ComparisonJson(
        string Method, double Distance, double Similarity, bool Related, double Threshold, IReadOnlyList<string> Features, Side A, Side B, IReadOnlyList<string> Notes);
}
