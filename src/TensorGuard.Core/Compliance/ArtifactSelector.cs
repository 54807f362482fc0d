using TensorGuard.Core.Formats;
using TensorGuard.Core.Formats.Safetensors;
using TensorGuard.Core.Policy;

namespace TensorGuard.Core.Compliance;

/// <summary>A pattern of artifacts to check, with the directory it is relative to and the policy entry it came from.</summary>
/// <param name="Optional">Matching nothing is a note rather than an error.</param>
public sealed record ArtifactPattern(string Pattern, string BaseDirectory, ModelSelection? Entry, bool Optional);

/// <summary>One artifact to check: a weights file, a sharded checkpoint's index, or a model directory.</summary>
public sealed record SelectedArtifact(string Path, ModelSelection? Entry);

/// <summary>The artifacts patterns selected, and what went wrong selecting them.</summary>
/// <param name="Incomplete">A required pattern matched nothing.</param>
public sealed record ArtifactSelection(IReadOnlyList<SelectedArtifact> Artifacts, IReadOnlyList<RunMessage> Messages, bool Incomplete);

/// <summary>
/// Expands model patterns into artifacts. A pattern without wildcards names one file or directory, whatever it is;
/// a glob selects model folders (folders with weights directly in them) and files that look like model weights (other
/// files — cards, configs, tokenizers — are companions, not artifacts). Shards listed by an index are checked as the one model the index describes, and
/// anything inside a selected directory belongs to that directory's model.
/// </summary>
public static class ArtifactSelector
{
    /// <summary>Bounds the walk of a glob, so a pattern like <c>/**</c> cannot run for hours.</summary>
    public const int MaxVisitedEntries = 200_000;

    private static readonly string[] WeightExtensions =
        [".safetensors", ".gguf", ".onnx", ".tflite", ".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle", ".h5", ".msgpack", ".npz", ".index.json"];

    public static ArtifactSelection Select(IReadOnlyList<ArtifactPattern> patterns)
    {
        var found = new List<SelectedArtifact>();
        var messages = new List<RunMessage>();
        bool incomplete = false;
        foreach (ArtifactPattern pattern in patterns)
        {
            string[] matches = Expand(pattern);
            if (matches.Length == 0)
            {
                string where = pattern.Entry is { } entry ? $" (policy models entry at line {entry.Position.Line})" : string.Empty;
                messages.Add(new RunMessage(pattern.Optional ? Severity.Note : Severity.Error,
                    $"'{UntrustedText.Printable(pattern.Pattern)}'{where} matched no model artifact under {pattern.BaseDirectory}"
                    + (pattern.Optional ? "; it is optional." : "; fix the pattern, build the models first, or mark the entry optional: true.")));
                incomplete |= !pattern.Optional;
            }

            found.AddRange(matches.Select(path => new SelectedArtifact(path, pattern.Entry)));
        }

        return new ArtifactSelection(Deduplicate(found), messages, incomplete);
    }

    private static string[] Expand(ArtifactPattern pattern)
    {
        if (Formats.Hub.HubReference.IsHubReference(pattern.Pattern))
        {
            // A model on the Hub is one artifact, never a glob; opening it checks that it exists.
            return [pattern.Pattern];
        }

        string full = Path.GetFullPath(Path.Combine(pattern.BaseDirectory, pattern.Pattern));
        if (!Glob.HasWildcards(pattern.Pattern))
        {
            return File.Exists(full) ? [IndexOf(full) ?? full] : Directory.Exists(full) ? [full] : [];
        }

        // Walk from the longest directory prefix without wildcards; match paths relative to the base directory.
        string normalised = pattern.Pattern.Replace('\\', '/');
        string[] segments = normalised.Split('/');
        int literal = Array.FindIndex(segments, Glob.HasWildcards);
        string start = Path.GetFullPath(Path.Combine(pattern.BaseDirectory, string.Join('/', segments[..literal])));
        if (!Directory.Exists(start))
        {
            return [];
        }

        var glob = new Glob(Path.IsPathRooted(normalised) ? normalised : Path.GetFullPath(pattern.BaseDirectory).TrimEnd('/') + "/" + normalised.TrimStart('.', '/'));
        // Symbolic links are followed (Hugging Face caches link snapshots to blobs); the visit bound stops link loops.
        var options = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            MaxRecursionDepth = normalised.Contains("**", StringComparison.Ordinal) ? int.MaxValue : segments.Length - literal - 1,
            AttributesToSkip = FileAttributes.None,
            IgnoreInaccessible = true,
        };
        var matches = new List<string>();
        int visited = 0;
        foreach (FileSystemInfo entry in new DirectoryInfo(start).EnumerateFileSystemInfos("*", options))
        {
            if (++visited > MaxVisitedEntries)
            {
                throw new InvalidInputException($"'{UntrustedText.Printable(pattern.Pattern)}' visits more than {MaxVisitedEntries} files and folders; narrow the pattern.");
            }

            if (glob.IsMatch(entry.FullName) && (entry is DirectoryInfo folder ? HoldsWeights(folder) : IsWeights(entry.Name)))
            {
                matches.Add(entry is FileInfo ? IndexOf(entry.FullName) ?? entry.FullName : entry.FullName);
            }
        }

        return matches.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>A folder is a model when weights lie directly in it; other folders a glob crosses are just folders.</summary>
    private static bool HoldsWeights(DirectoryInfo folder) =>
        folder.EnumerateFiles("*", new EnumerationOptions { IgnoreInaccessible = true }).Any(file => IsWeights(file.Name));

    /// <summary>Whether a file name is one of a model's weights files (a safetensors index counts; other JSON does not).</summary>
    internal static bool IsWeights(string name) =>
        WeightExtensions.Any(extension => name.EndsWith(extension, StringComparison.OrdinalIgnoreCase))
        && (!name.EndsWith(".index.json", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".safetensors.index.json", StringComparison.OrdinalIgnoreCase));

    /// <summary>The index that lists <paramref name="shard"/> as one of its shards, if its folder has one.</summary>
    private static string? IndexOf(string shard)
    {
        string directory = Path.GetDirectoryName(shard)!;
        string name = Path.GetFileName(shard);
        foreach (string index in Directory.EnumerateFiles(directory, "*.safetensors.index.json"))
        {
            try
            {
                if (SafetensorsIndex.Read(index).Shards.Contains(name, StringComparer.Ordinal))
                {
                    return index;
                }
            }
            catch (ModelFormatException)
            {
                // A broken index is reported when the index itself is checked; the shard stays its own artifact.
            }
        }

        return null;
    }

    private static SelectedArtifact[] Deduplicate(List<SelectedArtifact> found)
    {
        string[] directories = found.Select(a => a.Path).Where(Directory.Exists).ToArray();
        return found
            .Where(a => !directories.Any(d => a.Path != d && RepositoryRoot.Contains(d, a.Path)))
            .DistinctBy(a => a.Path, StringComparer.Ordinal)
            .ToArray();
    }
}
