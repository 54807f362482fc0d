namespace TensorGuard.Core.Formats.Hub;

/// <summary>
/// The Hub could not give what a reference names: the repository is gated or missing, the revision or file does
/// not exist, the network is down, or the Hub kept failing. It is invalid input like a malformed file (exit 3): the
/// message says what and how to fix it, and never carries the token.
/// </summary>
public sealed class HubException : ModelFormatException
{
    public HubException(string reference, HubErrorKind kind, string problem)
        : base(reference, problem) => Kind = kind;

    public HubException(string reference, HubErrorKind kind, string problem, Exception inner)
        : base(reference, problem, inner) => Kind = kind;

    /// <summary>What went wrong, for callers that react differently (a gate reports an unverified lineage).</summary>
    public HubErrorKind Kind { get; }
}

/// <summary>Why the Hub could not answer.</summary>
public enum HubErrorKind
{
    /// <summary>The repository is gated and the token (if any) has no access.</summary>
    Gated,

    /// <summary>No such repository, or a private one the token cannot see.</summary>
    RepoNotFound,

    /// <summary>No such branch, tag or commit.</summary>
    RevisionNotFound,

    /// <summary>No such file at that revision.</summary>
    EntryNotFound,

    /// <summary>The Hub cannot be reached (no network, DNS, refused connection, timeout).</summary>
    Unreachable,

    /// <summary>The Hub answered with an error that retries did not cure, or with something this client refuses.</summary>
    BadResponse,
}
