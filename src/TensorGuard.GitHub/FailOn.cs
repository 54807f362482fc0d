namespace TensorGuard.GitHub;

/// <summary>The lowest finding severity that fails the step (input <c>fail-on</c>).</summary>
public enum FailOn
{
    Error,
    Warning,

    /// <summary>Warn-only: report and comment, but never fail the step for findings.</summary>
    Never,
}
