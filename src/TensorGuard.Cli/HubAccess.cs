using TensorGuard.Core.Formats.Hub;

namespace TensorGuard.Cli;

/// <summary>
/// The Hub client for <c>hf://</c> references, configured as <c>huggingface_hub</c> is: <c>HF_ENDPOINT</c> (default
/// https://huggingface.co), the token from <c>HF_TOKEN</c>, else <c>HUGGING_FACE_HUB_TOKEN</c> (the action's
/// <c>hf-token</c> input wins over both), and the cache folder of
/// <see cref="CacheLocation"/>. One client per process; none is made unless a reference needs it.
/// </summary>
internal static class HubAccess
{
    private static readonly Lazy<HubClient> Shared = new(() => new HubClient(Options(CacheLocation.Default())));

    /// <summary>The shared client when any of <paramref name="paths"/> is a Hub reference; null otherwise.</summary>
    public static HubClient? For(params IEnumerable<string?> paths) => paths.Any(HubReference.IsHubReference) ? Shared.Value : null;

    /// <summary>
    /// The client for the gate, which reads <c>hf://</c> artifacts and verifies declared bases from the Hub: the shared
    /// one, or, when the action's <c>hf-token</c> input gives a token, one that sends it.
    /// </summary>
    public static HubClient Gate(string? token = null) =>
        token is null ? Shared.Value : new HubClient(Options(CacheLocation.Default()) with { Token = token });

    /// <summary>Options from the environment, caching under <paramref name="cacheDirectory"/>.</summary>
    /// <exception cref="UsageException">HF_ENDPOINT is not an http(s) URL.</exception>
    public static HubOptions Options(string cacheDirectory)
    {
        Uri endpoint = HubOptions.DefaultEndpoint;
        if (Environment.GetEnvironmentVariable("HF_ENDPOINT") is { Length: > 0 } configured)
        {
            if (!Uri.TryCreate(configured.TrimEnd('/'), UriKind.Absolute, out Uri? parsed) || parsed.Scheme is not ("https" or "http") || !string.IsNullOrEmpty(parsed.Query) || !string.IsNullOrEmpty(parsed.UserInfo))
            {
                throw new UsageException($"HF_ENDPOINT \"{Core.Formats.UntrustedText.Printable(configured)}\" is not an http(s) URL without query or credentials; unset it to use https://huggingface.co");
            }

            endpoint = parsed;
        }

        string? token = new[] { "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN" }
            .Select(Environment.GetEnvironmentVariable)
            .FirstOrDefault(value => !string.IsNullOrWhiteSpace(value));
        return new HubOptions(endpoint, token?.Trim(), cacheDirectory);
    }
}
