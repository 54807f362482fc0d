namespace TensorGuard.GitHub;

/// <summary>The level of a workflow-command annotation.</summary>
public enum AnnotationLevel
{
    Notice,
    Warning,
    Error,
}

/// <summary>
/// A message GitHub shows on the run and, when it has a file in the repository, on the pull request's diff.
/// </summary>
/// <param name="File">Path relative to the repository root, with forward slashes.</param>
public sealed record Annotation(AnnotationLevel Level, string Message, string? Title = null, string? File = null, int? Line = null);
