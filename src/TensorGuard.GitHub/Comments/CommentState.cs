namespace TensorGuard.GitHub.Comments;

/// <summary>What the pull-request comment last said, kept in its hidden marker so the next run can tell.</summary>
public enum CommentState
{
    /// <summary>The check passed and no earlier run of this comment had failed.</summary>
    Passing,

    /// <summary>The check had findings to report.</summary>
    Failing,

    /// <summary>An earlier run had findings, and they are fixed now.</summary>
    Resolved,
}
