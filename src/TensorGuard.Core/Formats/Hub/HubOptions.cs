namespace TensorGuard.Core.Formats.Hub;

/// <summary>
/// How to reach the Hugging Face Hub. The library reads no environment variables: the CLI fills these from
/// <c>HF_ENDPOINT</c>, <c>HF_TOKEN</c> (or <c>HUGGING_FACE_HUB_TOKEN</c>) and the cache directory it uses.
/// </summary>
/// <param name="Endpoint">The Hub's root URL, <c>https://huggingface.co</c> unless a mirror or a stand-in is used.</param>
/// <param name="Token">An access token, sent as <c>Authorization: Bearer</c> to the endpoint's host only; null for anonymous access.</param>
/// <param name="CacheDirectory">Where model cards, configs and indexes of Hub models are kept, by repository and commit.</param>
public sealed record HubOptions(Uri Endpoint, string? Token, string CacheDirectory)
{
    /// <summary>The public Hub.</summary>
    public static readonly Uri DefaultEndpoint = new("https://huggingface.co");

    /// <summary>Waits between retries; tests pass a clock that records the delays instead of sleeping.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Longest wait for a response's headers, per try.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <inheritdoc />
    public override string ToString() => $"HubOptions {{ Endpoint = {Endpoint}, Token = {(Token is null ? "none" : "set")}, CacheDirectory = {CacheDirectory} }}";
}
