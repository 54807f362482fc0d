namespace TensorGuard.Core.Policy;

/// <summary>
/// A policy file is invalid. The message starts with <c>file:line:column</c> so editors and CI logs
/// can jump to the problem; the CLI maps it to exit code 3 like every other invalid input.
/// </summary>
public sealed class PolicyException : InvalidInputException
{
    public PolicyException(string file, SourcePosition position, string problem)
        : base($"{file}:{position}: {problem}")
    {
        File = file;
        Position = position;
        Problem = problem;
    }

    /// <summary>The policy file the problem was found in.</summary>
    public string File { get; }

    /// <summary>Where in the file; line and column count from 1.</summary>
    public SourcePosition Position { get; }

    /// <summary>The problem, without the location.</summary>
    public string Problem { get; }
}
