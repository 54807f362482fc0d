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

    private static readonly Option<string?> Output = new("--output", "-o")
    {
        Description = "Write the one report chosen with --format to this file, or to stdout with '-' (then stdout holds that report and nothing else; the summary goes to stderr).",
        HelpName = "FILE|-",
    };

    private static readonly Option<bool> Quiet = new("--quiet", "-q") { Description = "Print only errors on stderr." };

    private static readonly Option<string?> ChangedSince = new("--changed-since")
    {
        Description = "Compare with this git revision (a pull request's base, e.g. origin/main): models are marked added, modified or unchanged, and the report separates new findings from those already on the base branch.",
        HelpName = "REF",
    };

    private static readonly Option<bool> OnlyChanged = new("--only-changed")
    {
        Description = "With --changed-since, check only the models the change adds or modifies (files git does not track always count as changed).",
    };

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
            Models, Policy, Name, License, BaseModel, ReportDirectory, Formats, FailOnOption, Output, Quiet, ChangedSince, OnlyChanged, CacheDirectory, NoCache, Base,
        };
        command.SetAction(parseResult => CommandRunner.Run(parseResult, context => Execute(parseResult, context)));
        return command;
    }

    private static ExitCode Execute(ParseResult parseResult, CommandContext context)
    {
        IReadOnlyList<ReportFormat> formats = parseResult.GetValue(Formats) ?? [];
        DirectoryInfo? reportDirectory = parseResult.GetValue(ReportDirectory);
        string? output = parseResult.GetValue(Output);
        bool quiet = parseResult.GetValue(Quiet);
        if (parseResult.GetValue(OnlyChanged) && parseResult.GetValue(ChangedSince) is null)
        {
            throw new UsageException("--only-changed needs --changed-since REF: the revision to compare with (e.g. origin/main).");
        }

        if (output is not null && formats.Count != 1)
        {
            throw new UsageException($"--output writes one report: choose it with --format (one of markdown, json, sarif, cyclonedx), not {(formats.Count == 0 ? "none" : string.Join(",", formats).ToLowerInvariant())}.");
        }

        var request = new CheckRequest(
            PolicyLocator.Load(parseResult.GetValue(Policy)?.FullName),
            parseResult.GetValue(Models) ?? [],
            Directory.GetCurrentDirectory(),
            new IdentityOverrides(parseResult.GetValue(Name), parseResult.GetValue(License), SplitList(parseResult.GetValue(BaseModel)), DeclarationSource.Override),
            parseResult.GetValue(FailOnOption),
            parseResult.GetValue(NoCache) ? null : parseResult.GetValue(CacheDirectory)?.FullName ?? CacheLocation.Default(),
            parseResult.GetValue(Base) is { } baseWeights ? (Core.Formats.Hub.HubReference.IsHubReference(baseWeights) ? baseWeights : Path.GetFullPath(baseWeights)) : null,
            Hub: HubAccess.Gate(),
            HashFiles: formats.Contains(ReportFormat.CycloneDx),
            ChangedSince: parseResult.GetValue(ChangedSince),
            OnlyChanged: parseResult.GetValue(OnlyChanged));
        CheckResult result = CheckPipeline.Run(request);

        // With the report on stdout, the summary moves to stderr (and --quiet drops it), so stdout can be piped.
        TextWriter? summary = output == "-" ? (quiet ? null : context.Error) : context.Output;
        summary?.Write(TextSummary.Render(result));
        try
        {
            WriteReports(context, result, formats, reportDirectory, output, quiet);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot write the report ({error.Message}); check --output and --report-dir.");
        }

        return ExitCodes.Of(result.Verdict);
    }

    private static void WriteReports(CommandContext context, CheckResult result, IReadOnlyList<ReportFormat> formats, DirectoryInfo? reportDirectory, string? output, bool quiet)
    {
        if (output is not null)
        {
            string report = ReportFiles.Render(result, formats[0], ReportStamp.Now());
            if (output == "-")
            {
                context.Output.Write(report);
            }
            else
            {
                File.WriteAllText(Path.GetFullPath(output), report);
                Report(context, quiet, Path.GetFullPath(output));
            }
        }

        if (reportDirectory is not null || (formats.Count > 0 && output is null))
        {
            foreach (string written in ReportFiles.Write(result, reportDirectory?.FullName ?? Directory.GetCurrentDirectory(), formats))
            {
                Report(context, quiet, written);
            }
        }
    }

    private static void Report(CommandContext context, bool quiet, string written)
    {
        if (!quiet)
        {
            context.Error.WriteLine($"report: {written}");
        }
    }

    private static IReadOnlyList<string>? SplitList(string[]? values) =>
        values is null || values.Length == 0
            ? null
            : values.SelectMany(value => value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
}
