namespace TensorGuard.ModelFactory;

/// <summary>Files committed in the repository (policies, published fingerprints), found from the test binaries.</summary>
public static class RepositoryFiles
{
    /// <summary>The repository root: the nearest directory above the running tests that holds TensorGuard.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>policies/default.yml.</summary>
    public static string DefaultPolicy => Path.Combine(Root, "policies", "default.yml");

    /// <summary>The published reference fingerprints kept for tests (derivatives/, labels.tsv).</summary>
    public static string ReferenceFingerprints => Path.Combine(Root, "tests", "data", "reference-fingerprints");

    private static string FindRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "TensorGuard.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"TensorGuard.sln not found above {AppContext.BaseDirectory}.");
    }
}
