using System.Net;
using Octokit;
using TensorGuard.Core.Formats;

namespace TensorGuard.GitHub.Comments;

/// <summary>What publishing the comment did.</summary>
public enum CommentAction
{
    /// <summary>Nothing to say: comments are off, or the check passed and no earlier comment exists.</summary>
    Skipped,
    Created,
    Updated,

    /// <summary>The API refused or failed; a warning was logged and the verdict is unaffected.</summary>
    Failed,
}

/// <param name="Url">The comment's web address, when one was created or updated.</param>
public sealed record CommentOutcome(CommentAction Action, CommentState? State = null, string? Url = null);

/// <summary>The pull request to comment on.</summary>
public sealed record PullRequestTarget(string Owner, string Repository, int Number, bool IsFromFork);

/// <summary>The report to publish and what it concluded.</summary>
/// <param name="Failing">Whether the check has findings to report (what <c>comment: on-failure</c> waits for).</param>
/// <param name="Markdown">The report.</param>
/// <param name="Commit">The commit checked.</param>
/// <param name="FullReport">Where the full report is, for a shortened comment ("in the job summary of …").</param>
public sealed record CommentContent(bool Failing, string Markdown, string? Commit, string FullReport);

/// <summary>
/// Keeps one TensorGuard comment per pull request: finds it by its hidden marker (through every page of
/// comments), updates it in place, and says "resolved" once earlier findings are fixed. A refusal from the
/// API (a fork's read-only token, missing permissions, a rate limit that outlasts the retries) is a warning:
/// the comment is a courtesy, the verdict decides the step.
/// </summary>
public sealed class PullRequestCommenter
{
    private const int PageSize = 100;
    private readonly IGitHubClient client;
    private readonly WorkflowLog log;

    public PullRequestCommenter(IGitHubClient client, WorkflowLog log)
    {
        this.client = client;
        this.log = log;
    }

    public async Task<CommentOutcome> PublishAsync(PullRequestTarget target, CommentMode mode, CommentContent content)
    {
        if (mode == CommentMode.Never)
        {
            return new CommentOutcome(CommentAction.Skipped);
        }

        try
        {
            IReadOnlyList<IssueComment> comments = await client.Issue.Comment
                .GetAllForIssue(target.Owner, target.Repository, target.Number, new ApiOptions { PageSize = PageSize })
                .ConfigureAwait(false);
            IssueComment? existing = comments.Where(c => CommentBody.IsOurs(c.Body)).MinBy(c => c.Id);
            CommentState? previous = existing is null ? null : CommentBody.StateOf(existing.Body);
            CommentState state = content.Failing ? CommentState.Failing
                : previous is CommentState.Failing or CommentState.Resolved ? CommentState.Resolved
                : CommentState.Passing;
            if (existing is null && !content.Failing && mode == CommentMode.OnFailure)
            {
                return new CommentOutcome(CommentAction.Skipped);
            }

            string body = CommentBody.Compose(state, content.Markdown, content.Commit, content.FullReport);
            if (existing is null)
            {
                IssueComment created = await client.Issue.Comment.Create(target.Owner, target.Repository, target.Number, body).ConfigureAwait(false);
                log.Info($"Commented on pull request #{target.Number}: {created.HtmlUrl}");
                return new CommentOutcome(CommentAction.Created, state, created.HtmlUrl);
            }

            IssueComment updated = await client.Issue.Comment.Update(target.Owner, target.Repository, existing.Id, body).ConfigureAwait(false);
            log.Info($"Updated the comment on pull request #{target.Number}: {updated.HtmlUrl}");
            return new CommentOutcome(CommentAction.Updated, state, updated.HtmlUrl);
        }
        catch (Exception error) when (error is ApiException or HttpRequestException or TaskCanceledException)
        {
            log.Warning(Explain(target, error));
            return new CommentOutcome(CommentAction.Failed);
        }
    }

    private static string Explain(PullRequestTarget target, Exception error)
    {
        string what = $"Could not comment on pull request #{target.Number}";
        string tail = " The check's verdict does not depend on the comment; the report is in the job summary.";
        return error switch
        {
            RateLimitExceededException limit => $"{what}: the GitHub API rate limit is exhausted until {limit.Reset:u}.{tail}",
            ApiException { StatusCode: HttpStatusCode.Forbidden or HttpStatusCode.NotFound } api when target.IsFromFork =>
                $"{what}: GitHub answered {(int)api.StatusCode} ({Reason(api)}). Pull requests from forks get a read-only token, so TensorGuard cannot comment on them.{tail}",
            ApiException { StatusCode: HttpStatusCode.Unauthorized } api =>
                $"{what}: GitHub answered 401 ({Reason(api)}). Check the token passed in github-token.{tail}",
            ApiException { StatusCode: HttpStatusCode.Forbidden or HttpStatusCode.NotFound } api =>
                $"{what}: GitHub answered {(int)api.StatusCode} ({Reason(api)}). Give the job 'permissions: pull-requests: write' or pass a token that may comment in github-token.{tail}",
            ApiException api => $"{what}: GitHub answered {(int)api.StatusCode} ({Reason(api)}) after retrying.{tail}",
            _ => $"{what}: {UntrustedText.Printable(error.Message)}.{tail}",
        };
    }

    private static string Reason(ApiException error) =>
        UntrustedText.Printable(string.IsNullOrWhiteSpace(error.ApiError?.Message) ? error.StatusCode.ToString() : error.ApiError.Message);
}
