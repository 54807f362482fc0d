namespace TensorGuard.Core.Policy;

/// <summary>The policy a run uses, and whether it is the bundled default because the repository has none.</summary>
public sealed record PolicyUsed(string Path, bool Bundled);

/// <summary>
/// Finds the repository's policy when none is named: from the start directory up to the repository root (the
/// nearest folder holding <c>.git</c>), each folder's <c>tensorguard.yml</c>, <c>tensorguard.yaml</c>,
/// <c>.github/tensorguard.yml</c> and <c>.github/tensorguard.yaml</c>. Outside a repository only the start
/// directory is searched, so a stray file in a home folder is never picked up. Falling back to the bundled policy is
/// flagged, so every report can say that the repository's own policy was not used.
/// </summary>
public static class PolicyDiscovery
{
    /// <summary>The file names looked for in each folder, in order of preference.</summary>
    public static readonly IReadOnlyList<string> Candidates =
        ["tensorguard.yml", "tensorguard.yaml", ".github/tensorguard.yml", ".github/tensorguard.yaml"];

    /// <summary>The policy to use: <paramref name="given"/> when set, else the nearest repository policy, else <paramref name="bundledPath"/>.</summary>
    /// <exception cref="InvalidInputException">One folder holds several policies, or there is none and no bundled policy either.</exception>
    public static PolicyUsed Find(string? given, string startDirectory, string bundledPath)
    {
        if (given is not null)
        {
            return new PolicyUsed(given, Bundled: false);
        }

        string start = Path.GetFullPath(startDirectory);
        string root = RepositoryRoot.Of(start);
        for (DirectoryInfo? directory = new(start); directory is not null; directory = directory.Parent)
        {
            string[] found = Candidates.Select(name => Path.Combine(directory.FullName, name)).Where(File.Exists).ToArray();
            if (found.Length > 1)
            {
                throw new InvalidInputException($"{directory.FullName} holds several policies ({string.Join(", ", found.Select(f => Path.GetRelativePath(directory.FullName, f)))}); keep one, or pass --policy FILE.");
            }

            if (found.Length == 1)
            {
                return new PolicyUsed(found[0], Bundled: false);
            }

            if (directory.FullName == root)
            {
                break;
            }
        }

        return File.Exists(bundledPath)
            ? new PolicyUsed(bundledPath, Bundled: true)
            : throw new InvalidInputException($"no policy given and none found ({string.Join(", ", Candidates)} from {start} up to {root}), and the bundled {bundledPath} is missing; run 'tensorguard policy init' or pass --policy FILE.");
    }
}
