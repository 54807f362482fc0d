namespace TensorGuard.Core.Formats;

/// <summary>
/// Turns file-system exceptions into the short reason shown after a path. The runtime's own messages
/// repeat the (possibly hostile) path and vary by platform, so we print a fixed reason where one exists.
/// </summary>
internal static class FileErrors
{
    /// <summary>Whether <paramref name="error"/> is a file-system failure we report as invalid input.</summary>
    public static bool IsFileSystemError(Exception error) =>
        error is IOException or UnauthorizedAccessException or System.Security.SecurityException;

    /// <summary>A one-line reason such as <c>permission denied</c>.</summary>
    public static string Describe(Exception error) => error switch
    {
        UnauthorizedAccessException or System.Security.SecurityException => "permission denied",
        FileNotFoundException or DirectoryNotFoundException => "no such file or directory",
        PathTooLongException => "path too long",
        EndOfStreamException => "the file ended early (was it truncated while being read?)",
        _ => UntrustedText.Printable(error.Message.Split(" : '", 2)[0].TrimEnd('.')),
    };
}
