namespace TensorGuard.Cli.Tests;

/// <summary>Finds files of the repository the tests were built from.</summary>
internal static class RepositoryFiles
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "TensorGuard.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no TensorGuard.sln above {AppContext.BaseDirectory}");
    }
}
