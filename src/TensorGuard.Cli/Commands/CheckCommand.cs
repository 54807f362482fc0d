using System.CommandLine;
using System.CommandLine.Parsing;
using TensorGuard.Core.Compliance;
using TensorGuard.Core.Gate;
using TensorGuard.Core.Policy;
using TensorGuard.Core.Reporting;

namespace TensorGuard.Cli.Commands;

/// <summary>
/// <c>tensorguard check</c>: the compliance gate. Selects artifacts, compares what each declares with its detected
/// lineage under the policy, prints a summary, writes reports, and exits 0 (pass), 2 (violations at or above
/// <c>fail-on</c>) or 3 (something could not be analysed, or the policy is invalid).
/// </summary>
internal static class CheckCommand
{
    private static readonly Argument<string[]> Models = new("MODEL_PATH_OR_GLOB")
    {
        Description = $"Models ({PolicyHelp.ModelInputs}) or globs (** across folders). Default: the policy's models: list.",
        Arity = ArgumentArity.ZeroOrMore,
    };

    private static readonly Option<FileInfo?> Policy = new("--policy")
    {
        Description = PolicyHelp.Default,
    };

    private static readonly Option<string?> Name = new("--name") { Description = "Override the declared model name." };

    private static readonly Option<string?> License = new("--license") { Description = "Override the declared license (Hub id, e.g. apache-2.0)." };

    private static readonly Option<string[]> BaseModel = new("--base-model")
    {
        Description = "Override the declared base model(s); repeat or separate with commas for a merge.",
        AllowMultipleArgumentsPerToken = false,
    };

    private static readonly Option<DirectoryInfo?> ReportDirectory = new("--report-dir")
    {
        Description = "Write the reports (tensorguard-report.md, .json) into this folder.",
    };

    private static readonly Option<IReadOnlyList<ReportFormat>> Formats = ReportOptions.Formats();

    private static readonly Option<FailOn?> FailOnOption = ReportOptions.FailOn();

    private static readonly Option<DirectoryInfo?> CacheDirectory = new("--cache-dir")
    {
        Description = "Fingerprint cache. Default: $TENSORGUARD_CACHE_DIR, else $XDG_CACHE_HOME/tensorguard, else ~/.cache/tensorguard.",
    };

    private static readonly Option<bool> NoCache = new("--no-cache") { Description = "Neither read nor write the fingerprint cache." };

    private static readonly Option<string?> Base = BaseModelOption.Create();

    public static Command Create()
    {
        var command = new Command("check", "Check model artifacts against a license policy: declared name, license and base model versus detected lineage.")
        {
            Models, Policy, Name, License, BaseModel, ReportDirectory, Formats, FailOnOption, CacheDirectory, NoCache, Base,
        };
        command.SetAction(parseResult => CommandRunner.Run(parseResult, context => Execute(parseResult, context)));
        return command;
    }

    private static ExitCode Execute(ParseResult parseResult, CommandContext context)
    {
        IReadOnlyList<ReportFormat> formats = parseResult.GetValue(Formats) ?? [];
        DirectoryInfo? reportDirectory = parseResult.GetValue(ReportDirectory);
        var request = new CheckRequest(
            PolicyLocator.Load(parseResult.GetValue(Policy)?.FullName),
            parseResult.GetValue(Models) ?? [],
            Directory.GetCurrentDirectory(),
            new IdentityOverrides(parseResult.GetValue(Name), parseResult.GetValue(License), SplitList(parseResult.GetValue(BaseModel)), DeclarationSource.Override),
            parseResult.GetValue(FailOnOption),
            parseResult.GetValue(NoCache) ? null : parseResult.GetValue(CacheDirectory)?.FullName ?? CacheLocation.Default(),
            parseResult.GetValue(Base) is { } baseWeights ? (Core.Formats.Hub.HubReference.IsHubReference(baseWeights) ? baseWeights : Path.GetFullPath(baseWeights)) : null,
            Hub: HubAccess.Gate());
        CheckResult result = CheckPipeline.Run(request);

        context.Output.Write(TextSummary.Render(result));
        if (reportDirectory is not null || formats.Count > 0)
        {
            foreach (string written in ReportFiles.Write(result, reportDirectory?.FullName ?? Directory.GetCurrentDirectory(), formats))
            {
                context.Error.WriteLine($"report: {written}");
            }
        }

        return ExitCodes.Of(result.Verdict);
    }

    private static IReadOnlyList<string>? SplitList(string[]? values) =>
        values is null || values.Length == 0
            ? null
            : values.SelectMany(value => value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
}
