namespace TensorGuard.Core;

/// <summary>
/// An input other than a model file (a fingerprint document, a policy, a labels file) is invalid.
/// The message says what, where and how to fix it; the CLI maps it to exit code 3.
/// </summary>
public class InvalidInputException : Exception
{
    public InvalidInputException(string message)
        : base(message)
    {
    }

    public InvalidInputException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
