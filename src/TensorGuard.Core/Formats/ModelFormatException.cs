namespace TensorGuard.Core.Formats;

/// <summary>
/// A model artifact is malformed or unsupported. The message names the file and the problem and,
/// where one exists, how to fix it; it is shown to users as one line.
/// </summary>
public class ModelFormatException : FormatException
{
    public ModelFormatException(string path, string problem)
        : base($"{path}: {problem}")
    {
        Path = path;
        Problem = problem;
    }

    public ModelFormatException(string path, string problem, Exception inner)
        : base($"{path}: {problem}", inner)
    {
        Path = path;
        Problem = problem;
    }

    /// <summary>The file (or directory) the problem was found in.</summary>
    public string Path { get; }

    /// <summary>The problem, without the path.</summary>
    public string Problem { get; }
}
