namespace TensorGuard.GitHub;

/// <summary>
/// The workflow gave the action an input it cannot use (an unknown <c>fail-on</c> level, no <c>models</c>, …).
/// The message names the input and the accepted values; it is a usage error of the workflow, not of a model.
/// </summary>
public sealed class ActionInputException : Exception
{
    public ActionInputException(string message)
        : base(message)
    {
    }

    public ActionInputException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
