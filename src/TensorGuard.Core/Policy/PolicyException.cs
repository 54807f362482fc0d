namespace TensorGuard.Core.Policy;

/// <summary>
/// A policy file is invalid. The message starts with <c>file:line:column</c> so editors and CI logs
/// can jump to the problem; the CLI maps it to exit code 3 like every other invalid input. When one
/// load found several problems, the message has one such line per problem, in file order.
/// </summary>
public sealed class PolicyException : InvalidInputException
{
    public PolicyException(string file, SourcePosition position, string problem)
        : base($"{file}:{position}: {problem}")
    {
        File = file;
        Position = position;
        Problem = problem;
        Problems = [this];
    }

    /// <summary>Several problems of one policy, reported together; the first gives <see cref="File"/> and <see cref="Position"/>.</summary>
    public PolicyException(IReadOnlyList<PolicyException> problems)
        : base(string.Join('\n', problems.Select(p => p.Message)))
    {
        PolicyException first = problems[0];
        (File, Position, Problem) = (first.File, first.Position, first.Problem);
        Problems = problems;
    }

    /// <summary>The policy file the problem was found in.</summary>
    public string File { get; }

    /// <summary>Where in the file; line and column count from 1.</summary>
    public SourcePosition Position { get; }

    /// <summary>The problem, without the location.</summary>
    public string Problem { get; }

    /// <summary>Every problem found, each with its own location (this one alone when there was one).</summary>
    public IReadOnlyList<PolicyException> Problems { get; }
}
