namespace TensorGuard.Core.Policy;

/// <summary>
/// The directory a policy's file references must stay inside: the nearest enclosing git work tree
/// (a directory holding <c>.git</c>, a folder or a worktree file), else the policy's own directory.
/// This lets a policy in <c>policies/</c> refer to fingerprints anywhere in its repository, while a
/// policy checked out from a pull request cannot read files of the runner outside the workspace.
/// </summary>
public static class RepositoryRoot
{
    public static string Of(string policyDirectory)
    {
        for (DirectoryInfo? directory = new(policyDirectory); directory is not null; directory = directory.Parent)
        {
            string git = Path.Combine(directory.FullName, ".git");
            if (Directory.Exists(git) || File.Exists(git))
            {
                return directory.FullName;
            }
        }

        return Path.GetFullPath(policyDirectory);
    }

    /// <summary>Whether <paramref name="fullPath"/> lies inside <paramref name="root"/> (both full paths).</summary>
    public static bool Contains(string root, string fullPath)
    {
        string relative = Path.GetRelativePath(root, fullPath);
        return relative != ".." && !relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal) && !Path.IsPathRooted(relative);
    }

    /// <summary>
    /// The first symbolic link on the way from <paramref name="root"/> down to <paramref name="fullPath"/>
    /// whose final target is outside the root, or null when the path stays inside.
    /// </summary>
    public static string? LinkLeavingRoot(string root, string fullPath)
    {
        for (string? current = fullPath; current is not null && Contains(root, current) && current != root; current = Path.GetDirectoryName(current))
        {
            FileSystemInfo entry = Directory.Exists(current) ? new DirectoryInfo(current) : new FileInfo(current);
            if (entry.LinkTarget is not null
                && (entry.ResolveLinkTarget(returnFinalTarget: true) is not { } target || !Contains(root, target.FullName)))
            {
                return current;
            }
        }

        return null;
    }
}
