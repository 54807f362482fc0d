using TensorGuard.Testing;
using TensorGuard.GitHub.Api;
using TensorGuard.GitHub.Comments;
using TensorGuard.GitHub.Fake;

namespace TensorGuard.GitHub.Tests;

/// <summary>The comment upsert against a local stand-in for the GitHub REST API.</summary>
public sealed class PullRequestCommenterTests : IAsyncLifetime
{
    private const string Token = "ghs_test_token_0123456789";
    private const int Number = 12;
    private static readonly PullRequestTarget Target = new("acme", "models", Number, IsFromFork: false);
    private readonly StringWriter output = new();
    private readonly RecordingClock clock = new();
    private FakeGitHubServer server = null!;

    public async ValueTask InitializeAsync() => server = await FakeGitHubServer.StartAsync(Token);

    public async ValueTask DisposeAsync() => await server.DisposeAsync();

    private async Task<CommentOutcome> PublishAsync(bool failing, CommentMode mode = CommentMode.Always, string? report = null,
        PullRequestTarget? target = null, FakeGitHubServer? on = null)
    {
        FakeGitHubServer api = on ?? server;
        Octokit.IGitHubClient client = GitHubApi.CreateClient(api.ApiUrl, new GitHubToken(api.Token), RetryPolicy.Default, clock);
        var commenter = new PullRequestCommenter(client, new WorkflowLog(output, inWorkflow: true, new GitHubToken(api.Token)));
        return await commenter.PublishAsync(target ?? Target, mode,
            new CommentContent(failing, report ?? (failing ? "❌ 1 violation" : "✅ passed"), "abc123", "in the job summary"));
    }

    private string Body => Assert.Single(server.Comments).Body;

    [Fact]
    public async Task Publish_FirstRun_CreatesOneMarkedComment()
    {
        CommentOutcome outcome = await PublishAsync(failing: true);

        Assert.Equal(CommentAction.Created, outcome.Action);
        Assert.StartsWith("<!-- tensorguard-report state=failing -->\n", Body);
        Assert.Contains("❌ 1 violation", Body);
        Assert.Equal(["GET", "POST"], server.Requests.Select(r => r.Method));
        Assert.Equal("/repos/acme/models/issues/12/comments", server.Requests[1].Path);
        Assert.All(server.Requests, r => Assert.True(server.IsAuthorized(r.Authorization)));
    }

    [Fact]
    public async Task Publish_SecondRun_UpdatesTheSameComment()
    {
        await PublishAsync(failing: true, report: "first");

        CommentOutcome outcome = await PublishAsync(failing: true, report: "second");

        Assert.Equal(CommentAction.Updated, outcome.Action);
        Assert.Contains("second", Body);
        Assert.DoesNotContain("first", Body);
        Assert.Equal("PATCH", server.Requests[^1].Method);
        Assert.Equal($"/repos/acme/models/issues/comments/{server.Comments[0].Id}", server.Requests[^1].Path);
    }

    [Fact]
    public async Task Publish_FixedAfterFailure_SaysResolvedInTheSameComment()
    {
        await PublishAsync(failing: true);

        CommentOutcome outcome = await PublishAsync(failing: false);

        Assert.Equal((CommentAction.Updated, CommentState.Resolved), (outcome.Action, outcome.State));
        Assert.StartsWith("<!-- tensorguard-report state=resolved -->\n", Body);
        Assert.Contains("**Resolved:** the findings this comment reported earlier are fixed as of abc123.", Body);
        Assert.Contains("✅ passed", Body);
    }

    [Fact]
    public async Task Publish_PassingAgainAfterResolved_StaysResolved()
    {
        await PublishAsync(failing: true);
        await PublishAsync(failing: false);

        CommentOutcome outcome = await PublishAsync(failing: false);

        Assert.Equal(CommentState.Resolved, outcome.State);
    }

    [Fact]
    public async Task Publish_PassingWithoutEarlierFailure_IsPlainPassing()
    {
        CommentOutcome outcome = await PublishAsync(failing: false);

        Assert.Equal((CommentAction.Created, CommentState.Passing), (outcome.Action, outcome.State));
        Assert.DoesNotContain("Resolved", Body);
    }

    [Fact]
    public async Task Publish_OnFailureAndPassingWithNoComment_TouchesNothing()
    {
        CommentOutcome outcome = await PublishAsync(failing: false, CommentMode.OnFailure);

        Assert.Equal(CommentAction.Skipped, outcome.Action);
        Assert.Empty(server.Comments);
        Assert.DoesNotContain(server.Requests, r => r.Method != "GET");
    }

    [Fact]
    public async Task Publish_OnFailureAndFixed_StillResolvesTheEarlierComment()
    {
        await PublishAsync(failing: true, CommentMode.OnFailure);

        CommentOutcome outcome = await PublishAsync(failing: false, CommentMode.OnFailure);

        Assert.Equal((CommentAction.Updated, CommentState.Resolved), (outcome.Action, outcome.State));
        Assert.Contains("**Resolved:**", Body);
    }

    [Fact]
    public async Task Publish_Never_SendsNoRequest()
    {
        CommentOutcome outcome = await PublishAsync(failing: true, CommentMode.Never);

        Assert.Equal(CommentAction.Skipped, outcome.Action);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task Publish_ReadOnlyTokenOfAFork_WarnsWithoutFailing()
    {
        server.ReadOnly = true;

        CommentOutcome outcome = await PublishAsync(failing: true, target: Target with { IsFromFork = true });

        Assert.Equal(CommentAction.Failed, outcome.Action);
        string log = output.ToString();
        Assert.StartsWith("::warning::Could not comment on pull request #12: GitHub answered 403 (Resource not accessible by integration). Pull requests from forks get a read-only token", log);
        Assert.Empty(clock.Delays);
    }

    [Fact]
    public async Task Publish_ForbiddenOnOwnRepository_SaysWhichPermissionIsMissing()
    {
        server.ReadOnly = true;

        await PublishAsync(failing: true);

        Assert.Contains("Give the job 'permissions: pull-requests: write'", output.ToString());
    }

    [Fact]
    public async Task Publish_ServerErrors_AreRetriedThenSucceed()
    {
        server.Enqueue(new Fault(502, "GET"));
        server.Enqueue(new Fault(503, "GET"));

        CommentOutcome outcome = await PublishAsync(failing: true);

        Assert.Equal(CommentAction.Created, outcome.Action);
        Assert.Equal(["GET", "GET", "GET", "POST"], server.Requests.Select(r => r.Method));
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)], clock.Delays);
    }

    [Fact]
    public async Task Publish_SecondaryRateLimitOnCreate_IsRetriedAfterRetryAfter()
    {
        server.Enqueue(new Fault(403, "POST", new Dictionary<string, string> { ["Retry-After"] = "2" }, "You have exceeded a secondary rate limit"));

        CommentOutcome outcome = await PublishAsync(failing: true);

        Assert.Equal(CommentAction.Created, outcome.Action);
        Assert.Equal([TimeSpan.FromSeconds(2)], clock.Delays);
        Assert.Single(server.Comments);
    }

    [Fact]
    public async Task Publish_ServerDownEveryAttempt_WarnsAfterBoundedRetries()
    {
        for (int i = 0; i < RetryPolicy.Default.MaxAttempts; i++)
        {
            server.Enqueue(new Fault(500));
        }

        CommentOutcome outcome = await PublishAsync(failing: true);

        Assert.Equal(CommentAction.Failed, outcome.Action);
        Assert.Equal(RetryPolicy.Default.MaxAttempts, server.Requests.Count);
        Assert.Contains("GitHub answered 500", output.ToString());
    }

    [Fact]
    public async Task Publish_MarkerOnALaterPage_IsFound()
    {
        for (int i = 0; i < 150; i++)
        {
            server.AddComment(Number, $"chatter {i}");
        }

        server.AddComment(Number, "<!-- tensorguard-report state=failing -->\nold", FakeGitHubServer.BotLogin);

        CommentOutcome outcome = await PublishAsync(failing: false);

        Assert.Equal((CommentAction.Updated, CommentState.Resolved), (outcome.Action, outcome.State));
        Assert.Equal(2, server.Requests.Count(r => r.Method == "GET"));
        Assert.Equal(151, server.Comments.Count);
    }

    [Fact]
    public async Task Publish_CommentQuotingTheMarker_IsNotMistakenForOurs()
    {
        FakeComment quote = server.AddComment(Number, "> <!-- tensorguard-report state=failing -->\n> why does this fail?");

        await PublishAsync(failing: true);

        Assert.Equal(2, server.Comments.Count);
        Assert.Equal(quote, server.Comments[0]);
    }

    [Fact]
    public async Task Publish_ReportNearTheSizeLimit_IsShortenedWithAPointer()
    {
        string report = string.Concat(Enumerable.Repeat("| row | with a finding that repeats |\n", 4000));

        await PublishAsync(failing: true, report: report);

        Assert.InRange(Body.Length, 60_000, CommentBody.MaxLength);
        Assert.EndsWith("The full report is in the job summary.\n", Body);
    }

    [Fact]
    public async Task Publish_EnterpriseServerApiRoot_IsUsedAsGiven()
    {
        await using FakeGitHubServer enterprise = await FakeGitHubServer.StartAsync(Token, "/api/v3");

        CommentOutcome outcome = await PublishAsync(failing: true, on: enterprise);

        Assert.Equal(CommentAction.Created, outcome.Action);
        Assert.All(enterprise.Requests, r => Assert.StartsWith("/api/v3/repos/acme/models/", r.Path));
    }

    [Fact]
    public async Task Publish_AnyOutcome_NeverPrintsTheToken()
    {
        server.ReadOnly = true;
        await PublishAsync(failing: true);
        server.ReadOnly = false;
        await PublishAsync(failing: true);

        Assert.DoesNotContain(Token, output.ToString());
        Assert.DoesNotContain(Token, Body);
    }
}
