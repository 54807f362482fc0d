using TensorGuard.Core.Formats;
using TensorGuard.Core.Policy;

namespace TensorGuard.GitHub;

/// <summary>
/// The inputs of <c>action.yml</c> as the step received them. Blank inputs take the defaults that
/// <c>action.yml</c> documents, so running outside the runner behaves the same as inside it.
/// </summary>
public sealed record ActionInputs
{
    public const string DefaultReportDir = "tensorguard-report";

    /// <summary>Paths or glob patterns of the model artifacts, in the order given; empty takes the policy's <c>models:</c>.</summary>
    public required IReadOnlyList<string> Models { get; init; }

    /// <summary>The policy file; null uses the built-in default policy.</summary>
    public string? Policy { get; init; }

    /// <summary>Overrides the declared model name of every artifact.</summary>
    public string? ModelName { get; init; }

    /// <summary>Overrides the declared license of every artifact.</summary>
    public string? License { get; init; }

    /// <summary>Overrides the declared base model(s) of every artifact.</summary>
    public IReadOnlyList<string>? BaseModels { get; init; }

    /// <summary>The lowest finding severity that fails the step; null leaves it to the policy (whose default is error).</summary>
    public FailOn? FailOn { get; init; }

    public CommentMode Comment { get; init; } = CommentMode.Always;

    /// <summary>The token for the pull-request comment; null when none was given.</summary>
    public GitHubToken? Token { get; init; }

    /// <summary>
    /// The Hugging Face token (<c>hf-token</c>) for gated or private bases read from the Hub; null when none was given.
    /// Held like the GitHub token, so it prints as <c>***</c>.
    /// </summary>
    public GitHubToken? HubToken { get; init; }

    /// <summary>Where to write a SARIF 2.1.0 log; null writes none.</summary>
    public string? SarifFile { get; init; }

    /// <summary>Folder for the Markdown and JSON reports.</summary>
    public string ReportDir { get; init; } = DefaultReportDir;

    /// <summary>The fingerprint cache folder; null uses the default location.</summary>
    public string? CacheDir { get; init; }

    /// <summary>Check only the models a pull request adds or modifies.</summary>
    public bool OnlyChanged { get; init; }

    /// <exception cref="ActionInputException">An input has a value the action does not accept.</exception>
    public static ActionInputs Read(ActionEnvironment environment)
    {
        IReadOnlyList<string> models = SplitList(environment.Input("models"));
        string? baseModel = environment.Input("base-model");
        string? token = environment.Input("github-token") ?? environment.Get("GITHUB_TOKEN");
        return new ActionInputs
        {
            Models = models,
            Policy = environment.Input("policy"),
            ModelName = environment.Input("model-name"),
            License = environment.Input("license"),
            BaseModels = baseModel is null ? null : SplitList(baseModel),
            FailOn = ParseChoice<FailOn?>("fail-on", environment.Input("fail-on"), null,
                ("error", Core.Policy.FailOn.Error), ("warning", Core.Policy.FailOn.Warning), ("never", Core.Policy.FailOn.Never)),
            Comment = ParseChoice("comment", environment.Input("comment"), CommentMode.Always,
                ("always", CommentMode.Always), ("on-failure", CommentMode.OnFailure), ("never", CommentMode.Never)),
            Token = token is null ? null : new GitHubToken(token.Trim()),
            HubToken = environment.Input("hf-token") is { } hubToken ? new GitHubToken(hubToken.Trim()) : null,
            SarifFile = environment.Input("sarif-file"),
            ReportDir = environment.Input("report-dir") ?? DefaultReportDir,
            CacheDir = environment.Input("cache-dir"),
            OnlyChanged = ParseChoice("only-changed", environment.Input("only-changed"), false, ("true", true), ("false", false)),
        };
    }

    /// <summary>Splits a list input written one item per line, comma-separated, or both.</summary>
    public static IReadOnlyList<string> SplitList(string? value) =>
        value is null
            ? []
            : value.Split(['\n', '\r', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static T ParseChoice<T>(string input, string? value, T fallback, params (string Name, T Value)[] choices)
    {
        if (value is null)
        {
            return fallback;
        }

        foreach ((string name, T choice) in choices)
        {
            if (string.Equals(name, value, StringComparison.OrdinalIgnoreCase))
            {
                return choice;
            }
        }

        throw new ActionInputException(
            $"input {input} is '{UntrustedText.Printable(value)}'; use one of {string.Join(", ", choices.Select(c => c.Name))}");
    }
}
