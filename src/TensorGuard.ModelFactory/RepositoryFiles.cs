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

    /// <summary>Published fingerprints kept out of every policy and of the classifier's design (NOTICE.md there).</summary>
    public static string HeldOutFingerprints => Path.Combine(Root, "tests", "data", "held-out-fingerprints");

    /// <summary>
    /// Copies <c>policies/fingerprints</c> (bases and <c>references/</c>) into <paramref name="target"/>, so that a copy of
    /// <see cref="DefaultPolicy"/> next to it resolves every fingerprint it names.
    /// </summary>
    public static void CopyPolicyFingerprints(string target)
    {
        string fingerprints = Path.Combine(Root, "policies", "fingerprints");
        foreach (string file in Directory.GetFiles(fingerprints, "*.json", SearchOption.AllDirectories))
        {
            string copy = Path.Combine(target, Path.GetRelativePath(fingerprints, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }
    }

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
