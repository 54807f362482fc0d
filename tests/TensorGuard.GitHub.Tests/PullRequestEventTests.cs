using System.Text;
using System.Text.Json;
using TensorGuard.GitHub;

namespace TensorGuard.GitHub.Tests;

public sealed class PullRequestEventTests
{
    private static PullRequestEvent? Parse(string json) => PullRequestEvent.Parse(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void Parse_SameRepositoryPullRequest_ReadsNumberAndHead()
    {
        PullRequestEvent? pr = Parse("""
            {"action":"synchronize","number":7,"pull_request":{"number":7,
             "head":{"sha":"abc123","repo":{"full_name":"acme/models"}},
             "base":{"repo":{"full_name":"acme/models"}}}}
            """);

        Assert.Equal(new PullRequestEvent(7, "abc123", IsFromFork: false), pr);
    }

    [Fact]
    public void Parse_HeadInAnotherRepository_IsFromFork()
    {
        PullRequestEvent? pr = Parse("""
            {"pull_request":{"number":9,"head":{"sha":"s","repo":{"full_name":"someone/models"}},"base":{"repo":{"full_name":"acme/models"}}}}
            """);

        Assert.True(pr!.IsFromFork);
    }

    [Theory]
    [InlineData("""{"ref":"refs/heads/main","commits":[]}""")]
    [InlineData("""{"pull_request":null}""")]
    [InlineData("[]")]
    public void Parse_NotAPullRequestEvent_IsNull(string json) => Assert.Null(Parse(json));

    [Theory]
    [InlineData("""{"pull_request":{}}""")]
    [InlineData("""{"pull_request":{"number":"7"}}""")]
    [InlineData("""{"pull_request":{"number":-1}}""")]
    public void Parse_PullRequestWithoutUsableNumber_Throws(string json) =>
        Assert.Throws<ActionInputException>(() => Parse(json));

    [Fact]
    public void Parse_NotJson_Throws() => Assert.ThrowsAny<JsonException>(() => Parse("{not json"));

    [Fact]
    public void Read_MissingFile_NamesTheVariable()
    {
        var error = Assert.Throws<ActionInputException>(() => PullRequestEvent.Read("/nonexistent/event.json"));

        Assert.StartsWith("GITHUB_EVENT_PATH /nonexistent/event.json: cannot read the event payload", error.Message);
    }
}
