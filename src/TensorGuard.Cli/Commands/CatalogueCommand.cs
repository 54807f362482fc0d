using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using TensorGuard.Core.Formats;
using TensorGuard.Core.Gate;
using TensorGuard.Core.Policy;
using TensorGuard.GitHub;

namespace TensorGuard.Cli.Commands;

/// <summary>
/// <c>tensorguard catalogue build --catalogue FILE --out DIR [--only ID...] [--jobs N] [--summary FILE]</c> and
/// <c>tensorguard catalogue matrix --catalogue FILE</c>: build the base catalogue's documents, and the GitHub Actions
/// matrix that builds them one job per base.
/// </summary>
internal static class CatalogueCommand
{
    private static readonly Option<FileInfo> Catalogue = new("--catalogue")
    {
        Description = "The catalogue file (policies/catalogue.yml).",
        Required = true,
    };

    private static readonly Option<string> Out = new("--out")
    {
        Description = "Folder for the documents, one <id>.json per base (created if missing). Documents that already record the resolved commit are kept.",
        Required = true,
    };

    private static readonly Option<string[]> Only = new("--only")
    {
        Description = "Build only these catalogue ids (several allowed, or one space-separated list as the matrix gives it).",
        AllowMultipleArgumentsPerToken = true,
    };

    private static readonly Option<int> Jobs = new("--jobs")
    {
        Description = "Bases built at once (each gets an equal share of the cores).",
        DefaultValueFactory = _ => 1,
    };

    private static readonly Option<string?> Summary = new("--summary")
    {
        Description = "Append one JSON line per base to this file: id, repo, revision, resolved commit, status, bytes fetched, seconds.",
    };

    private static readonly JsonSerializerOptions SummaryJson = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static Command Create()
    {
        var build = new Command("build", "Sketch every catalogue base through hf://REPO@REVISION and write its document.")
        {
            Catalogue, Out, Only, Jobs, Summary,
        };
        build.SetAction(parseResult => CommandRunner.Run(parseResult, context => Build(parseResult, context)));
        var matrix = new Command("matrix", $"Print the GitHub Actions matrix that builds the catalogue (one job per base; chunks past {CatalogueMatrix.MaxJobs} bases).")
        {
            Catalogue,
        };
        matrix.SetAction(parseResult => CommandRunner.Run(parseResult, context =>
        {
            context.Output.WriteLine(CatalogueMatrix.ToJson(BaseCatalogueLoader.Load(parseResult.GetRequiredValue(Catalogue).ToString())));
            return ExitCode.Success;
        }));
        return new Command("catalogue", "Build the catalogue of published base models that the default policy proves lineage against.")
        {
            build,
            matrix,
        };
    }

    private static ExitCode Build(ParseResult parseResult, CommandContext context)
    {
        int jobs = parseResult.GetValue(Jobs);
        if (jobs < 1)
        {
            throw new UsageException($"--jobs is {jobs}; build at least one base at a time");
        }

        BaseCatalogue catalogue = BaseCatalogueLoader.Load(parseResult.GetRequiredValue(Catalogue).ToString());
        string[] only = (parseResult.GetValue(Only) ?? []).SelectMany(value => value.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToArray();
        string? summary = parseResult.GetValue(Summary);
        var lines = new Lines(context.Error);
        IReadOnlyList<CatalogueBuildOutcome> outcomes = new CatalogueBuilder(new ModelReferenceSource(HubAccess.Gate()))
            .Build(catalogue, parseResult.GetRequiredValue(Out), only, jobs, lines);
        if (summary is not null)
        {
            File.AppendAllLines(summary, outcomes.Select(outcome => JsonSerializer.Serialize(new
            {
                id = outcome.Entry.Id,
                repo = outcome.Entry.Repo,
                revision = outcome.Entry.Revision,
                resolvedRevision = outcome.ResolvedRevision,
                status = outcome.Status.ToString().ToLowerInvariant(),
                bytesFetched = outcome.BytesFetched,
                seconds = Math.Round(outcome.Elapsed.TotalSeconds, 1),
            }, SummaryJson)));
        }

        int failed = outcomes.Count(o => o.Status == CatalogueBuildStatus.Failed);
        context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{outcomes.Count(o => o.Status == CatalogueBuildStatus.Built)} built, {outcomes.Count(o => o.Status == CatalogueBuildStatus.UpToDate)} up to date, {failed} failed"));
        return failed == 0 ? ExitCode.Success : ExitCode.Failure;
    }

    // One line per base as it finishes; failures say why.
    private sealed class Lines(TextWriter error) : IProgress<CatalogueBuildOutcome>
    {
        private readonly Lock _gate = new();

        public void Report(CatalogueBuildOutcome value)
        {
            string what = value.Status switch
            {
                CatalogueBuildStatus.Built => string.Create(CultureInfo.InvariantCulture, $"built at {value.ResolvedRevision} in {value.Elapsed.TotalSeconds:0.0} s{(value.BytesFetched is { } bytes ? $", {bytes / 1e6:0.0} MB fetched" : "")}"),
                CatalogueBuildStatus.UpToDate => $"up to date at {value.ResolvedRevision}",
                _ => $"failed: {value.Problem}",
            };
            lock (_gate)
            {
                error.WriteLine($"{value.Entry.Id} ({UntrustedText.Printable(value.Entry.Repo)}): {what}");
            }
        }
    }
}
