namespace TensorGuard.GitHub;

/// <summary>
/// What the runner tells a step about the run: repository, API root (which differs on GitHub Enterprise Server),
/// the event, and the files that take outputs and the job summary. Every value is optional so the same code
/// runs on a laptop, where none is set.
/// </summary>
public sealed record GitHubContext
{
    public static readonly Uri PublicApiUrl = new("https://api.github.com/");
    public static readonly Uri PublicServerUrl = new("https://github.com/");

    /// <summary><c>owner/name</c> of the repository the workflow runs in.</summary>
    public string? Repository { get; init; }

    /// <summary>The REST API root, always ending in <c>/</c> so relative endpoints resolve below it.</summary>
    public Uri ApiUrl { get; init; } = PublicApiUrl;

    /// <summary>The web root, for links to the run.</summary>
    public Uri ServerUrl { get; init; } = PublicServerUrl;

    public string? RunId { get; init; }

    public string? EventName { get; init; }

    public string? EventPath { get; init; }

    /// <summary>The checked-out repository; relative paths in annotations and SARIF are relative to it.</summary>
    public string? Workspace { get; init; }

    public string? OutputPath { get; init; }

    public string? StepSummaryPath { get; init; }

    public string? Sha { get; init; }

    /// <summary>The page of this workflow run, whose summary holds the full report; null outside a run.</summary>
    public Uri? RunUrl => Repository is null || RunId is null
        ? null
        : new Uri(ServerUrl, $"{Repository}/actions/runs/{Uri.EscapeDataString(RunId)}");

    /// <exception cref="ActionInputException">GITHUB_REPOSITORY or GITHUB_API_URL is malformed.</exception>
    public static GitHubContext Read(ActionEnvironment environment)
    {
        string? repository = environment.Get("GITHUB_REPOSITORY");
        if (repository is not null && !IsOwnerAndName(repository))
        {
            throw new ActionInputException($"GITHUB_REPOSITORY is '{Core.Formats.UntrustedText.Printable(repository)}'; expected owner/name");
        }

        return new GitHubContext
        {
            Repository = repository,
            ApiUrl = Root("GITHUB_API_URL", environment.Get("GITHUB_API_URL")) ?? PublicApiUrl,
            ServerUrl = Root("GITHUB_SERVER_URL", environment.Get("GITHUB_SERVER_URL")) ?? PublicServerUrl,
            RunId = environment.Get("GITHUB_RUN_ID"),
            EventName = environment.Get("GITHUB_EVENT_NAME"),
            EventPath = environment.Get("GITHUB_EVENT_PATH"),
            Workspace = environment.Get("GITHUB_WORKSPACE"),
            OutputPath = environment.Get("GITHUB_OUTPUT"),
            StepSummaryPath = environment.Get("GITHUB_STEP_SUMMARY"),
            Sha = environment.Get("GITHUB_SHA"),
        };
    }

    /// <summary>The split repository name, or null when unknown.</summary>
    public (string Owner, string Name)? RepositoryParts() =>
        Repository?.Split('/') is [var owner, var name] ? (owner, name) : null;

    private static bool IsOwnerAndName(string repository) =>
        repository.Split('/') is [var owner, var name] && owner.Length > 0 && name.Length > 0;

    private static Uri? Root(string variable, string? value)
    {
        if (value is null)
        {
            return null;
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            throw new ActionInputException($"{variable} is '{Core.Formats.UntrustedText.Printable(value)}'; expected an http(s) URL");
        }

        return uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
    }
}
