using System.Globalization;
using System.Text.Json;
using Octokit;
using TensorGuard.Core.Compliance;
using TensorGuard.Core.Policy;
using TensorGuard.Core.Reporting;
using TensorGuard.GitHub.Comments;

namespace TensorGuard.GitHub;

/// <summary>
/// Delivers a check's result the ways a GitHub Actions step can: annotations, step outputs, the job summary and the
/// pull-request comment. Delivery problems (no token, a read-only token, an unreachable API) are
/// warnings; the verdict alone decides the exit code.
/// </summary>
public sealed class ActionPublisher
{
    private readonly ActionInputs inputs;
    private readonly GitHubContext context;
    private readonly WorkflowLog log;
    private readonly Func<GitHubToken, IGitHubClient> createClient;

    /// <param name="createClient">Builds the API client for the token; called only when a comment is due.</param>
    public ActionPublisher(ActionInputs inputs, GitHubContext context, WorkflowLog log, Func<GitHubToken, IGitHubClient> createClient)
    {
        this.inputs = inputs;
        this.context = context;
        this.log = log;
        this.createClient = createClient;
    }

    /// <summary>Whether the comment should read as a failure: the check did not pass, or it has findings worth fixing.</summary>
    public static bool HasFailures(CheckResult result) =>
        result.Verdict != Verdict.Pass
        || result.Artifacts.Any(a => a.Findings.Any(f => f.IsActive && f.Severity >= Severity.Warning));

    /// <param name="reportPath">The Markdown report file, as later steps should name it (the <c>report</c> output).</param>
    /// <exception cref="ActionInputException">GITHUB_OUTPUT or GITHUB_STEP_SUMMARY cannot be written.</exception>
    public async Task<CommentOutcome> PublishAsync(CheckResult result, string reportPath)
    {
        string markdown = MarkdownReport.Render(result);
        foreach (Annotation annotation in FindingAnnotations.From(result))
        {
            log.Annotate(annotation);
        }

        if (context.OutputPath is { } outputs)
        {
            RunnerFile("GITHUB_OUTPUT", outputs, () => StepOutputs.Append(outputs, new Dictionary<string, string>
            {
                ["verdict"] = ReportText.Word(result.Verdict),
                ["violations"] = result.Violations.ToString(CultureInfo.InvariantCulture),
                ["families"] = JsonSerializer.Serialize(ReportText.Families(result)),
                ["evidence"] = JsonSerializer.Serialize(ReportText.EvidenceLevels(result)),
                ["report"] = reportPath,
            }));
        }

        if (context.StepSummaryPath is { } summary)
        {
            RunnerFile("GITHUB_STEP_SUMMARY", summary, () => JobSummary.Append(summary, markdown, $"in {reportPath}"));
        }

        return await CommentAsync(result, markdown).ConfigureAwait(false);
    }

    private static void RunnerFile(string variable, string path, Action write)
    {
        try
        {
            write();
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new ActionInputException($"{variable} {path}: cannot append to it ({error.Message})", error);
        }
    }

    private async Task<CommentOutcome> CommentAsync(CheckResult result, string markdown)
    {
        if (inputs.Comment == CommentMode.Never || context.EventPath is not { } eventPath)
        {
            return new CommentOutcome(CommentAction.Skipped);
        }

        PullRequestEvent? pullRequest;
        try
        {
            pullRequest = PullRequestEvent.Read(eventPath);
        }
        catch (ActionInputException error)
        {
            log.Warning($"Not commenting: {error.Message}");
            return new CommentOutcome(CommentAction.Failed);
        }

        if (pullRequest is null || context.RepositoryParts() is not { } repository)
        {
            return new CommentOutcome(CommentAction.Skipped);
        }

        if (inputs.Token is not { } token)
        {
            log.Warning($"Not commenting on pull request #{pullRequest.Number}: no token; pass github-token (the default, ${{{{ github.token }}}}, works with 'permissions: pull-requests: write').");
            return new CommentOutcome(CommentAction.Failed);
        }

        string fullReport = context.RunUrl is { } run ? $"in the job summary of [this run]({run})" : "in the job summary";
        var commenter = new PullRequestCommenter(createClient(token), log);
        return await commenter.PublishAsync(
            new PullRequestTarget(repository.Owner, repository.Name, pullRequest.Number, pullRequest.IsFromFork),
            inputs.Comment,
            new CommentContent(HasFailures(result), markdown, pullRequest.HeadSha ?? context.Sha, fullReport)).ConfigureAwait(false);
    }
}
