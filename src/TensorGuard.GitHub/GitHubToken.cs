namespace TensorGuard.GitHub;

/// <summary>
/// A GitHub token. It prints as <c>***</c> so that no log line, exception message or record dump can leak it;
/// only the API client reads <see cref="Reveal"/>.
/// </summary>
public sealed class GitHubToken
{
    private readonly string value;

    public GitHubToken(string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        this.value = value;
    }

    public string Reveal() => value;

    /// <summary>Replaces every occurrence of the token in <paramref name="text"/> with <c>***</c>.</summary>
    public string Redact(string text) => text.Replace(value, "***", StringComparison.Ordinal);

    public override string ToString() => "***";
}
