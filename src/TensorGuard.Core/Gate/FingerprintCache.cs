using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using TensorGuard.Core.Formats;

namespace TensorGuard.Core.Gate;

/// <summary>
/// Caches what was computed from a model's weights, keyed by the SHA-256 of the weight files' contents, so that a
/// re-run of <c>check</c> on unchanged files does not read the weights again. Content hashes are remembered per file
/// path with its size and modification time; a file whose size or time changed is hashed again (a fresh CI checkout
/// hashes once, then finds the fingerprints if the cache folder was restored). Entries are written atomically; an
/// unreadable entry is ignored and recomputed.
/// </summary>
/// <remarks>Layout: <c>files/</c> (per-path content hashes) and <c>entries/KEY.KIND</c> (cached values).</remarks>
public sealed class FingerprintCache(string directory)
{
    public string Directory { get; } = directory;

    /// <summary>The content key of a model: its files' names and content hashes, in order.</summary>
    public string ContentKey(LoadedModel model)
    {
        var key = new StringBuilder();
        foreach (ModelFile file in model.Files)
        {
            key.Append(Path.GetFileName(file.Path)).Append(' ').Append(file.Sha256 ?? ContentHash(file.Path)).Append('\n');
        }

        return Hex(SHA256.HashData(Encoding.UTF8.GetBytes(key.ToString())));
    }

    /// <summary>A cached value, or null when absent or unreadable.</summary>
    public byte[]? Get(string contentKey, string kind)
    {
        try
        {
            string path = EntryPath(contentKey, kind);
            return File.Exists(path) ? File.ReadAllBytes(path) : null;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Stores a value; a cache that cannot be written only costs time.</summary>
    public void Put(string contentKey, string kind, byte[] value)
    {
        try
        {
            WriteAtomically(EntryPath(contentKey, kind), value);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // Read-only or full cache folder: the check still runs, it just recomputes next time.
        }
    }

    /// <summary>The SHA-256 of a file's contents, remembered with its size and modification time.</summary>
    public string ContentHash(string file)
    {
        var info = new FileInfo(file);
        string stamp = string.Create(CultureInfo.InvariantCulture, $"{info.Length} {info.LastWriteTimeUtc.Ticks}");
        string memo = Path.Combine(Directory, "files", Hex(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(file)))));
        try
        {
            if (File.Exists(memo) && File.ReadAllText(memo).Split(' ') is [var length, var ticks, var hash] && $"{length} {ticks}" == stamp)
            {
                return hash;
            }
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // Fall through and hash the file.
        }

        string computed = HashFile(file);

        try
        {
            WriteAtomically(memo, Encoding.UTF8.GetBytes($"{stamp} {computed}"));
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // Not remembered: the next run hashes again.
        }

        return computed;
    }

    /// <summary>The SHA-256 of a file's contents, read now.</summary>
    public static string HashFile(string file)
    {
        using FileStream stream = File.OpenRead(file);
        return Hex(SHA256.HashData(stream));
    }

    private string EntryPath(string contentKey, string kind) => Path.Combine(Directory, "entries", $"{contentKey}.{kind}");

    /// <summary>Writes <paramref name="path"/> through a temporary file and a rename, so readers never see half a file.</summary>
    internal static void WriteAtomically(string path, byte[] value)
    {
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string temporary = $"{path}.{Environment.ProcessId}.tmp";
        File.WriteAllBytes(temporary, value);
        File.Move(temporary, path, overwrite: true);
    }

    private static string Hex(byte[] hash) => Convert.ToHexStringLower(hash);
}
