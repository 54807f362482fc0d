using System.CommandLine;
using System.CommandLine.Parsing;
using TensorGuard.Core.Reporting;

namespace TensorGuard.Cli.Commands;

/// <summary>The options that choose reports and the failure threshold, shared by the commands that run a check.</summary>
internal static class ReportOptions
{
    /// <summary>Formats written when <c>--report-dir</c> is given without <c>--format</c>.</summary>
    public static readonly IReadOnlyList<ReportFormat> DefaultFormats = [ReportFormat.Markdown, ReportFormat.Json];

    public static Option<IReadOnlyList<ReportFormat>> Formats() => new("--format")
    {
        Description = "Report formats to write, comma-separated: markdown, json, sarif, cyclonedx (default: markdown and json when --report-dir is given).",
        HelpName = "markdown,json,sarif,cyclonedx",
        CustomParser = ParseFormats,
    };

    public static Option<Core.Policy.FailOn?> FailOn() => new("--fail-on")
    {
        Description = "Lowest severity that fails the run (exit 2): error, warning or never. Default: the policy's fail-on, else error.",
        HelpName = "error|warning|never",
        CustomParser = result => result.Tokens.Single().Value switch
        {
            "error" => Core.Policy.FailOn.Error,
            "warning" => Core.Policy.FailOn.Warning,
            "never" => Core.Policy.FailOn.Never,
            string other => Invalid<Core.Policy.FailOn?>(result, $"--fail-on must be error, warning or never, not '{other}'."),
        },
    };

    private static IReadOnlyList<ReportFormat> ParseFormats(ArgumentResult result)
    {
        var formats = new List<ReportFormat>();
        foreach (string word in result.Tokens.SelectMany(token => token.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            switch (word.ToLowerInvariant())
            {
                case "markdown" or "md":
                    formats.Add(ReportFormat.Markdown);
                    break;
                case "json":
                    formats.Add(ReportFormat.Json);
                    break;
                case "sarif":
                    formats.Add(ReportFormat.Sarif);
                    break;
                case "cyclonedx":
                    formats.Add(ReportFormat.CycloneDx);
                    break;
                default:
                    return Invalid<IReadOnlyList<ReportFormat>>(result, $"--format must list markdown, json, sarif or cyclonedx, not '{word}'.");
            }
        }

        return formats.Distinct().ToArray();
    }

    private static T Invalid<T>(ArgumentResult result, string message)
    {
        result.AddError(message);
        return default!;
    }
}
