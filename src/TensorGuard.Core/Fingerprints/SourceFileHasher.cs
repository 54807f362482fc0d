using System.Security.Cryptography;
using TensorGuard.Core.Formats;
using TensorGuard.Core.Formats.Hub;

namespace TensorGuard.Core.Fingerprints;

/// <summary>SHA-256 and size of a model's files, with paths relative to the model folder so documents do not depend on where the model lies.</summary>
public static class SourceFileHasher
{
    /// <summary>Large reads: hashing is bound by SHA-256 itself, not by system calls.</summary>
    private const int ReadSize = 4 << 20;

    /// <summary>
    /// Hashes <paramref name="files"/> whose hash is not known already (Hub files come with theirs; shards in parallel, each read once sequentially through the page cache,
    /// not into resident memory) and returns them in the given order. Checks <paramref name="cancellation"/> between reads.
    /// </summary>
    /// <exception cref="ModelFormatException">A file cannot be read.</exception>
    public static SourceFile[] Hash(IReadOnlyList<ModelFile> files, string? directory, CancellationToken cancellation)
    {
        var hashed = new SourceFile[files.Count];
        var options = new ParallelOptions { CancellationToken = cancellation };
        ParallelWork.Run(() => Parallel.For(0, files.Count, options, i =>
            hashed[i] = new SourceFile(RelativePath(files[i].Path, directory), files[i].Sha256 ?? Sha256(files[i].Path, cancellation), files[i].Length)));

        return hashed;
    }

    private static string Sha256(string path, CancellationToken cancellation)
    {
        byte[] buffer = new byte[ReadSize];
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            int read;
            while ((read = stream.Read(buffer)) > 0)
            {
                cancellation.ThrowIfCancellationRequested();
                hash.AppendData(buffer, 0, read);
            }

            return Convert.ToHexStringLower(hash.GetHashAndReset());
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new ModelFormatException(path, $"cannot be read to hash it ({error.Message})");
        }
    }

    // A Hub file keeps its reference, commit included, so the document says exactly what was read.
    private static string RelativePath(string path, string? directory)
    {
        if (HubReference.IsHubReference(path))
        {
            return path;
        }

        string full = Path.GetFullPath(path);
        if (directory is not null)
        {
            string relative = Path.GetRelativePath(Path.GetFullPath(directory), full);
            if (!relative.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(relative))
            {
                return relative.Replace(Path.DirectorySeparatorChar, '/');
            }
        }

        return Path.GetFileName(full);
    }
}
