using System.Text.Json;
using TensorGuard.Core.Formats;

namespace TensorGuard.GitHub;

/// <summary>The parts of a <c>pull_request</c> (or <c>pull_request_target</c>) event payload the action uses.</summary>
/// <param name="Number">The pull request number, which is also its issue number for comments.</param>
/// <param name="HeadSha">The commit the run checked, when the payload names it.</param>
/// <param name="IsFromFork">Whether the head branch lives in another repository; such runs get a read-only token.</param>
public sealed record PullRequestEvent(int Number, string? HeadSha, bool IsFromFork)
{
    /// <summary>Largest event payload read; real ones are tens of kilobytes.</summary>
    public const long MaxPayloadBytes = 25 << 20;

    /// <summary>
    /// The pull request the run belongs to, or null when the event is not about one (a push, a schedule).
    /// </summary>
    /// <exception cref="ActionInputException">The payload file is missing, too large or not the JSON GitHub writes.</exception>
    public static PullRequestEvent? Read(string path)
    {
        byte[] payload;
        try
        {
            var info = new FileInfo(path);
            if (info.Exists && info.Length > MaxPayloadBytes)
            {
                throw new ActionInputException($"GITHUB_EVENT_PATH {path}: event payload is larger than {MaxPayloadBytes >> 20} MiB");
            }

            payload = File.ReadAllBytes(path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new ActionInputException($"GITHUB_EVENT_PATH {path}: cannot read the event payload ({error.Message})", error);
        }

        try
        {
            return Parse(payload);
        }
        catch (JsonException error)
        {
            throw new ActionInputException($"GITHUB_EVENT_PATH {path}: event payload is not valid JSON ({error.Message})", error);
        }
    }

    /// <exception cref="JsonException">The payload is not JSON.</exception>
    /// <exception cref="ActionInputException">The payload has a pull request without a usable number.</exception>
    public static PullRequestEvent? Parse(ReadOnlyMemory<byte> payload)
    {
        using var document = JsonDocument.Parse(payload, new JsonDocumentOptions { MaxDepth = 64 });
        if (document.RootElement.ValueKind != JsonValueKind.Object
            || !document.RootElement.TryGetProperty("pull_request", out JsonElement pullRequest)
            || pullRequest.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (!pullRequest.TryGetProperty("number", out JsonElement number) || number.ValueKind != JsonValueKind.Number || !number.TryGetInt32(out int value) || value <= 0)
        {
            throw new ActionInputException("event payload has a pull_request without a positive number");
        }

        string? headSha = Text(pullRequest, "head", "sha");
        string? headRepository = Text(pullRequest, "head", "repo", "full_name");
        string? baseRepository = Text(pullRequest, "base", "repo", "full_name");
        bool fromFork = headRepository is not null && baseRepository is not null
            && !string.Equals(headRepository, baseRepository, StringComparison.OrdinalIgnoreCase);
        return new PullRequestEvent(value, headSha is null ? null : UntrustedText.Printable(headSha), fromFork);
    }

    private static string? Text(JsonElement element, params string[] path)
    {
        foreach (string name in path)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element))
            {
                return null;
            }
        }

        return element.ValueKind == JsonValueKind.String ? element.GetString() : null;
    }
}
