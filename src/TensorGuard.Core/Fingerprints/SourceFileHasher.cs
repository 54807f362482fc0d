using System.Security.Cryptography;
using TensorGuard.Core.Formats;
using TensorGuard.Core.Formats.Hub;

namespace TensorGuard.Core.Fingerprints;

/// <summary>
/// SHA-256 and size of a model's files, with paths relative to the model folder so documents do not depend on where
/// the model lies. The hash is the whole file's SHA-256, the value the Hugging Face Hub publishes for LFS files, so it
/// can prove identity with a published base; SHA-256 of one file is sequential, so files are hashed in parallel and
/// one file takes one core (about 1.7 GB/s with the SHA extensions).
/// </summary>
public static class SourceFileHasher
{
    /// <summary>Bytes hashed per call: large enough that hashing, not the loop, sets the speed.</summary>
    private const int ChunkBytes = 8 << 20;

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

    // The file is hashed straight from its mapping: no copy into a buffer (a read() pass copies every byte once
    // more), and MappedFile hands touched pages back as it goes, so resident memory stays bounded.
    private static string Sha256(string path, CancellationToken cancellation)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        if (RegularFile.SpecialKind(path) is null && File.Exists(path) && new FileInfo(path).Length == 0)
        {
            return Convert.ToHexStringLower(hash.GetHashAndReset());
        }

        using MappedFile file = MappedFile.Open(path, 1, "model file");
        for (long offset = 0; offset < file.Length; offset += ChunkBytes)
        {
            cancellation.ThrowIfCancellationRequested();
            hash.AppendData(file.Span(offset, Math.Min(ChunkBytes, file.Length - offset), "file data"));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
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
