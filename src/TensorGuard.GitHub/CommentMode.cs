namespace TensorGuard.GitHub;

/// <summary>When the action comments on the pull request (input <c>comment</c>).</summary>
public enum CommentMode
{
    /// <summary>Create or update the comment on every run, passing or not.</summary>
    Always,

    /// <summary>
    /// Comment only when there are findings to report; an earlier failure comment is still updated to say
    /// the findings are resolved, so a stale failure never stays on the pull request.
    /// </summary>
    OnFailure,

    /// <summary>Never touch the pull request.</summary>
    Never,
}
