namespace TensorGuard.Core.Formats;

/// <summary>
/// A model artifact is malformed or unsupported. The message names the file and the problem and,
/// where one exists, how to fix it; it is shown to users as one line, so the path (which may come from a
/// hostile repository) is made printable. Problems quote untrusted names through <see cref="UntrustedText"/>.
/// </summary>
public class ModelFormatException : FormatException
{
    public ModelFormatException(string path, string problem)
        : base($"{UntrustedText.PrintablePath(path)}: {problem}")
    {
        Path = path;
        Problem = problem;
    }

    public ModelFormatException(string path, string problem, Exception inner)
        : base($"{UntrustedText.PrintablePath(path)}: {problem}", inner)
    {
        Path = path;
        Problem = problem;
    }

    /// <summary>The file (or directory) the problem was found in.</summary>
    public string Path { get; }

    /// <summary>The problem, without the path.</summary>
    public string Problem { get; }
}
