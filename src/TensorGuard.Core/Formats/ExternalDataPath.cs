namespace TensorGuard.Core.Formats;

/// <summary>
/// Resolves a data file named inside a model (ONNX external data, shards) against the model's folder,
/// refusing absolute paths, <c>..</c>, and links that lead outside the folder: a hostile model must not make
/// us read other files on the runner.
/// </summary>
public static class ExternalDataPath
{
    /// <exception cref="ModelFormatException">The name is empty, absolute, escapes the folder, or is missing.</exception>
    public static string Resolve(string modelPath, string directory, string name, string owner)
    {
        string root = Path.GetFullPath(directory);
        string shown = UntrustedText.Printable(name);
        if (name.Length == 0 || Path.IsPathRooted(name) || name.Contains('\0', StringComparison.Ordinal)
            || name.Split('/', '\\').Any(part => part == ".."))
        {
            throw new ModelFormatException(modelPath, $"{owner} names data file \"{shown}\", which is not a relative path inside the model's folder; refusing to read it");
        }

        string full = Path.GetFullPath(Path.Combine(root, name));
        if (!IsInside(root, full))
        {
            throw new ModelFormatException(modelPath, $"{owner} names data file \"{shown}\", which lies outside the model's folder; refusing to read it");
        }

        if (!File.Exists(full))
        {
            throw new ModelFormatException(modelPath, $"{owner} names data file \"{shown}\", which does not exist next to the model; copy it there");
        }

        string target = ResolveLinks(full);
        if (!IsInside(Path.GetFullPath(ResolveLinks(root)), target))
        {
            throw new ModelFormatException(modelPath, $"{owner} names data file \"{shown}\", a link that leads outside the model's folder; refusing to read it");
        }

        return full;
    }

    private static bool IsInside(string root, string path) =>
        path.StartsWith(Path.TrimEndingDirectorySeparator(root) + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    private static string ResolveLinks(string path)
    {
        // Resolve every link on the way, so a linked folder inside the model folder cannot escape it either.
        string resolved = Path.GetPathRoot(path)!;
        foreach (string part in Path.GetRelativePath(resolved, path).Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            resolved = Path.Combine(resolved, part);
            FileSystemInfo info = Directory.Exists(resolved) ? new DirectoryInfo(resolved) : new FileInfo(resolved);
            if (info.LinkTarget is not null)
            {
                resolved = info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? resolved;
            }
        }

        return Path.GetFullPath(resolved);
    }
}
