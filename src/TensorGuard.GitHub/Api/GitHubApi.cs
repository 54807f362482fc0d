using Octokit;
using Octokit.Internal;

namespace TensorGuard.GitHub.Api;

/// <summary>Builds the Octokit client the action uses.</summary>
public static class GitHubApi
{
    private static readonly ProductHeaderValue Product = new("tensorguard-action");

    /// <summary>
    /// A client rooted exactly at <paramref name="apiUrl"/> (GITHUB_API_URL). Octokit's own constructor rewrites
    /// any host other than api.github.com to <c>/api/v3/</c>; the runner already gives the full API root on
    /// GitHub Enterprise Server, so the connection is built directly to keep the URL as given. Requests are retried as
    /// <paramref name="policy"/> says (<see cref="GitHubRetry"/>), waiting on <paramref name="clock"/>.
    /// </summary>
    public static IGitHubClient CreateClient(Uri apiUrl, GitHubToken token, RetryPolicy policy, TimeProvider clock)
    {
        var root = apiUrl.AbsoluteUri.EndsWith('/') ? apiUrl : new Uri(apiUrl.AbsoluteUri + "/");
        var http = new HttpClientAdapter(() => GitHubRetry.CreateHandler(policy, clock, new HttpClientHandler()));
        var connection = new Connection(Product, root, new InMemoryCredentialStore(new Credentials(token.Reveal())), http, new SimpleJsonSerializer());
        return new GitHubClient(connection);
    }
}
