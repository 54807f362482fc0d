using System.Diagnostics;
using System.Text;
using TensorGuard.Core.Compliance;

namespace TensorGuard.Core.Gate;

/// <summary>
/// Which files of the repository differ from a base revision, asked of git itself (a real <c>git</c> process), so a
/// pull request's check can tell the artifacts it adds or changes from those already on the base branch. The
/// comparison is against the merge base of <c>HEAD</c> and the base revision, with the working tree (what the check
/// reads). A file git does not track (a build output, an ignored folder) counts as changed: git cannot vouch that
/// it is the base branch's, so it is never skipped.
/// </summary>
public sealed class GitChanges
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    private readonly HashSet<string> _unchanged;
    private readonly HashSet<string> _atBase;

    private GitChanges(string root, string baseRef, string mergeBase, HashSet<string> unchanged, HashSet<string> atBase)
    {
        Root = root;
        BaseRef = baseRef;
        MergeBase = mergeBase;
        _unchanged = unchanged;
        _atBase = atBase;
    }

    /// <summary>The repository's top-level folder.</summary>
    public string Root { get; }

    /// <summary>The revision as given (a branch, tag or commit).</summary>
    public string BaseRef { get; }

    /// <summary>The commit compared with.</summary>
    public string MergeBase { get; }

    /// <exception cref="InvalidInputException">The folder is not in a git repository, git is missing, or the revision is unknown.</exception>
    public static GitChanges Since(string baseRef, string directory)
    {
        if (baseRef.StartsWith('-'))
        {
            throw new InvalidInputException($"--changed-since '{baseRef}' is not a revision; name a branch, tag or commit (e.g. origin/main).");
        }

        string root = Git(directory, "rev-parse", "--show-toplevel").TrimEnd('\n');
        string mergeBase;
        try
        {
            mergeBase = Git(root, "merge-base", "HEAD", baseRef).TrimEnd('\n');
        }
        catch (InvalidInputException error)
        {
            throw new InvalidInputException(
                $"cannot compare with '{baseRef}': {error.Message} Fetch the base branch's history (actions/checkout with fetch-depth: 0) or name a revision this clone has.");
        }

        var tracked = Split(Git(root, "ls-files", "-z"));
        var changed = Split(Git(root, "diff", "--name-only", "--no-renames", "-z", mergeBase, "--"));
        tracked.ExceptWith(changed);
        return new GitChanges(root, baseRef, mergeBase, tracked, Split(Git(root, "ls-tree", "-r", "--name-only", "-z", mergeBase)));
    }

    /// <summary>
    /// Whether an artifact is new, changed or unchanged since the base. Its files are everything in its folder (for a
    /// folder artifact, recursively): the weights, the card, config and notices its findings depend on.
    /// </summary>
    /// <param name="alsoDecisive">Other files the findings depend on (the policy and its fingerprints); when any of them changed, no artifact is unchanged.</param>
    public ArtifactChange Classify(string artifactPath, IEnumerable<string> alsoDecisive)
    {
        string full = Path.GetFullPath(artifactPath);
        string folder = Directory.Exists(full) ? full : Path.GetDirectoryName(full)!;
        string?[] files = Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder, "*", new EnumerationOptions { RecurseSubdirectories = Directory.Exists(full), IgnoreInaccessible = true }).Select(Relative).ToArray()
            : [];
        if (files.Length > 0 && files.All(file => file is not null && !_atBase.Contains(file)))
        {
            return ArtifactChange.Added;
        }

        bool unchanged = files.Length > 0
            && files.All(file => file is not null && _unchanged.Contains(file))
            && alsoDecisive.All(file => Relative(Path.GetFullPath(file)) is not { } relative || _unchanged.Contains(relative));
        return unchanged ? ArtifactChange.Unchanged : ArtifactChange.Modified;
    }

    /// <summary>A path relative to the repository root with '/' separators; null outside it.</summary>
    private string? Relative(string path)
    {
        string relative = Path.GetRelativePath(Root, path);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? null : relative.Replace('\\', '/');
    }

    private static HashSet<string> Split(string nulSeparated) =>
        new(nulSeparated.Split('\0', StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal);

    private static string Git(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo("git")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Paths come back as they are (no octal quoting), and no pager or prompt can wait for a terminal.
        start.Environment["GIT_TERMINAL_PROMPT"] = "0";
        start.Environment["GIT_PAGER"] = "cat";
        start.ArgumentList.Insert(0, "core.quotePath=false");
        start.ArgumentList.Insert(0, "-c");

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidInputException("git could not be started.");
        }
        catch (System.ComponentModel.Win32Exception error)
        {
            throw new InvalidInputException($"git could not be run ({error.Message}); install git to compare with a base revision.");
        }

        using (process)
        {
            Task<string> error = process.StandardError.ReadToEndAsync();
            Task<string> output = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(Timeout))
            {
                process.Kill(entireProcessTree: true);
                throw new InvalidInputException($"git {arguments[0]} did not finish within {Timeout.TotalMinutes:0} minutes.");
            }

            if (process.ExitCode != 0)
            {
                string message = error.Result.Trim().Split('\n')[0];
                throw new InvalidInputException($"git {arguments[0]} failed in {directory}: {Formats.UntrustedText.Printable(message)}.");
            }

            return output.Result;
        }
    }
}
