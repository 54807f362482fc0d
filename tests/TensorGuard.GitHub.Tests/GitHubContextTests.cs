using TensorGuard.GitHub;

namespace TensorGuard.GitHub.Tests;

public sealed class GitHubContextTests
{
    private static GitHubContext Read(params (string Name, string Value)[] variables) =>
        GitHubContext.Read(new ActionEnvironment(variables.ToDictionary(v => v.Name, v => v.Value)));

    [Fact]
    public void Read_NothingSet_UsesGitHubDotCom()
    {
        GitHubContext context = Read();

        Assert.Equal("https://api.github.com/", context.ApiUrl.AbsoluteUri);
        Assert.Null(context.Repository);
        Assert.Null(context.RunUrl);
    }

    [Fact]
    public void Read_EnterpriseServer_KeepsTheApiPathAndAddsASlash()
    {
        GitHubContext context = Read(("GITHUB_API_URL", "https://ghe.example.com/api/v3"), ("GITHUB_SERVER_URL", "https://ghe.example.com"),
            ("GITHUB_REPOSITORY", "acme/models"), ("GITHUB_RUN_ID", "42"));

        Assert.Equal("https://ghe.example.com/api/v3/", context.ApiUrl.AbsoluteUri);
        Assert.Equal(("acme", "models"), context.RepositoryParts());
        Assert.Equal("https://ghe.example.com/acme/models/actions/runs/42", context.RunUrl!.AbsoluteUri);
    }

    [Theory]
    [InlineData("GITHUB_REPOSITORY", "no-slash")]
    [InlineData("GITHUB_REPOSITORY", "a/b/c")]
    [InlineData("GITHUB_API_URL", "not a url")]
    [InlineData("GITHUB_API_URL", "file:///etc/passwd")]
    public void Read_MalformedVariable_NamesIt(string variable, string value)
    {
        var error = Assert.Throws<ActionInputException>(() => Read((variable, value)));

        Assert.StartsWith(variable, error.Message);
    }
}
