using System.CommandLine;
using TensorGuard.Core;
using TensorGuard.Core.Compliance;
using TensorGuard.Core.Formats;
using TensorGuard.Core.Gate;
using TensorGuard.Core.Policy;
using TensorGuard.Core.Reporting;
using TensorGuard.GitHub;
using TensorGuard.GitHub.Api;

namespace TensorGuard.Cli.Commands;

/// <summary>
/// <c>tensorguard action</c>: the entrypoint of the GitHub Action's container (action.yml passes it as
/// <c>runs.args</c>). It reads the action's inputs from the <c>INPUT_*</c> environment variables, runs the same
/// check as <c>tensorguard check</c>, writes the reports, and delivers the result as annotations, step outputs,
/// the job summary and the pull-request comment. The exit code is the check's (0, 2 or 3); delivery problems are
/// warnings, and 1 means the action itself was misconfigured or failed.
/// </summary>
internal static class ActionCommand
{
    private static readonly Option<string?> Token = new("--github-token")
    {
        Description = "Token for the pull-request comment. Prefer GITHUB_TOKEN or INPUT_GITHUB-TOKEN: a token on the command line shows in process lists and shell history.",
    };

    public static Command Create()
    {
        var command = new Command("action", "Run as the GitHub Action: inputs from INPUT_* variables, results to the job summary, outputs, annotations and the pull request.")
        {
            Token,
        };
        command.SetAction(parseResult => CommandRunner.Run(parseResult, context => Execute(parseResult, context)));
        return command;
    }

    private static ExitCode Execute(ParseResult parseResult, CommandContext context)
    {
        ActionEnvironment environment = ActionEnvironment.FromProcess();
        try
        {
            return Run(parseResult, context, environment);
        }
        catch (Exception error) when (environment.IsGitHubActions && error is ActionInputException or NothingToCheckException or InvalidInputException or ModelFormatException)
        {
            // Misconfiguration shows on the run's summary page as an annotation, not only in the log; the runner then
            // maps the error to its exit code as for any command.
            context.Output.WriteLine(WorkflowCommands.Format(new Annotation(AnnotationLevel.Error, error.Message, "TensorGuard")));
            throw;
        }
    }

    private static ExitCode Run(ParseResult parseResult, CommandContext context, ActionEnvironment environment)
    {
        ActionInputs inputs = ActionInputs.Read(environment);
        if (parseResult.GetValue(Token) is { Length: > 0 } token)
        {
            context.Error.WriteLine("warning: --github-token puts the token in process lists and shell history; set GITHUB_TOKEN or the github-token input instead.");
            inputs = inputs with { Token = new GitHubToken(token) };
        }

        GitHubContext github = GitHubContext.Read(environment);
        string workspace = github.Workspace ?? Directory.GetCurrentDirectory();
        var log = new WorkflowLog(context.Output, environment.IsGitHubActions, inputs.Token);

        // only-changed compares with the pull request's base branch, which actions/checkout fetches as origin/BASE.
        string? baseBranch = environment.Get("GITHUB_BASE_REF") is { Length: > 0 } branch ? $"origin/{branch}" : null;
        if (inputs.OnlyChanged && baseBranch is null)
        {
            log.Annotate(new Annotation(AnnotationLevel.Notice, "only-changed applies to pull requests (no GITHUB_BASE_REF here), so every model is checked.", "TensorGuard"));
        }

        CheckResult result = CheckPipeline.Run(new CheckRequest(
            PolicyLocator.Load(inputs.Policy is { } policy ? Path.GetFullPath(policy, workspace) : null, workspace),
            inputs.Models,
            workspace,
            new IdentityOverrides(inputs.ModelName, inputs.License, inputs.BaseModels, DeclarationSource.Override),
            inputs.FailOn,
            inputs.CacheDir is { } cacheDir ? Path.GetFullPath(cacheDir, workspace) : CacheLocation.Default(),
            Hub: HubAccess.Gate(inputs.HubToken?.Reveal()),
            ChangedSince: inputs.OnlyChanged ? baseBranch : null,
            OnlyChanged: inputs.OnlyChanged));
        context.Output.Write(TextSummary.Render(result));

        string markdownReport = WriteReports(result, inputs, workspace);
        var publisher = new ActionPublisher(inputs, github, log,
            client => GitHubApi.CreateClient(github.ApiUrl, client, RetryPolicy.Default, TimeProvider.System));
        publisher.PublishAsync(result, markdownReport).GetAwaiter().GetResult();
        return ExitCodes.Of(result.Verdict);
    }

    /// <returns>The Markdown report's path relative to the workspace (the <c>report</c> output).</returns>
    private static string WriteReports(CheckResult result, ActionInputs inputs, string workspace)
    {
        string reportDirectory = Path.GetFullPath(inputs.ReportDir, workspace);
        try
        {
            IReadOnlyList<string> written = ReportFiles.Write(result, reportDirectory, [ReportFormat.Markdown, ReportFormat.Json]);
            if (inputs.SarifFile is { } sarif)
            {
                string sarifPath = Path.GetFullPath(sarif, workspace);
                Directory.CreateDirectory(Path.GetDirectoryName(sarifPath)!);
                File.WriteAllText(sarifPath, SarifReport.Render(result));
            }

            string relative = Path.GetRelativePath(workspace, written[0]);
            return (relative.StartsWith("..", StringComparison.Ordinal) ? written[0] : relative).Replace('\\', '/');
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new ActionInputException($"cannot write the reports ({error.Message}); check the report-dir and sarif-file inputs");
        }
    }
}
