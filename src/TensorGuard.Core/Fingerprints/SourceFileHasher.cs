using System.Security.Cryptography;
using TensorGuard.Core.Formats;

namespace TensorGuard.Core.Fingerprints;

/// <summary>SHA-256 and size of a model's files, with paths relative to the model folder so documents do not depend on where the model lies.</summary>
public static class SourceFileHasher
{
    /// <summary>Hashes <paramref name="files"/> in order, reading each once sequentially (through the page cache, not a mapping).</summary>
    /// <exception cref="ModelFormatException">A file cannot be read.</exception>
    public static async Task<SourceFile[]> HashAsync(IReadOnlyList<ModelFile> files, string? directory, CancellationToken cancellation)
    {
        var hashed = new SourceFile[files.Count];
        for (int i = 0; i < files.Count; i++)
        {
            hashed[i] = new SourceFile(RelativePath(files[i].Path, directory), await Sha256Async(files[i].Path, cancellation).ConfigureAwait(false), files[i].Length);
        }

        return hashed;
    }

    private static async Task<string> Sha256Async(string path, CancellationToken cancellation)
    {
        try
        {
            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
            await using (stream.ConfigureAwait(false))
            {
                return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellation).ConfigureAwait(false));
            }
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new ModelFormatException(path, $"cannot be read to hash it ({error.Message})");
        }
    }

    private static string RelativePath(string path, string? directory)
    {
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
