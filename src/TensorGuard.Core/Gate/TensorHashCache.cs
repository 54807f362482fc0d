using System.Text;
using TensorGuard.Core.Fingerprints;
using TensorGuard.Core.Fingerprints.Identity;
using TensorGuard.Core.Formats;

namespace TensorGuard.Core.Gate;

/// <summary>
/// An artifact's tensor hashes (<c>tensorguard-identity</c>) kept in the <see cref="FingerprintCache"/> under its
/// content key, which a changed file changes: a changed artifact is never served the hashes of other contents. A
/// run hashes only the tensors it needs that the entry lacks and adds them, so a later run with other bases reuses
/// what it can. The entry is an identity-only fingerprint document, read with the same checks as any document;
/// one that does not read, or a hash whose tensor now has another dtype or shape, is ignored and hashed again.
/// </summary>
public sealed class TensorHashCache(FingerprintCache cache, string contentKey)
{
    private static readonly string Kind = $"identity-v{IdentityFingerprint.Version}.json";

    /// <summary>What <see cref="TensorHasher.Hash"/> gives for these tensors, reading only those whose hash is not cached.</summary>
    /// <exception cref="ModelFormatException">A tensor cannot be read.</exception>
    public IdentityFingerprint Hash(ITensorSource model, Func<TensorEntry, bool> include)
    {
        Dictionary<string, TensorHash> known = Cached(model);
        IdentityFingerprint hashed = TensorHasher.Hash(model, tensor => include(tensor) && !known.ContainsKey(tensor.Name));
        foreach (TensorHash tensor in hashed.Tensors)
        {
            known[tensor.Name] = tensor;
        }

        if (hashed.Tensors.Count > 0)
        {
            var entry = new FingerprintDocument { ModelName = contentKey, ParameterCount = 0, Identity = new IdentityFingerprint(InModelOrder(model, known, _ => true)) };
            cache.Put(contentKey, Kind, Encoding.UTF8.GetBytes(FingerprintWriter.ToJson(entry)));
        }

        return new IdentityFingerprint(InModelOrder(model, known, include));
    }

    private static TensorHash[] InModelOrder(ITensorSource model, Dictionary<string, TensorHash> known, Func<TensorEntry, bool> include) =>
        model.Tensors.Where(include).Select(tensor => known.GetValueOrDefault(tensor.Name)).OfType<TensorHash>().ToArray();

    private Dictionary<string, TensorHash> Cached(ITensorSource model)
    {
        var known = new Dictionary<string, TensorHash>(StringComparer.Ordinal);
        if (cache.Get(contentKey, Kind) is not { } bytes)
        {
            return known;
        }

        IReadOnlyList<TensorHash> entries;
        try
        {
            entries = FingerprintReader.Parse(bytes, Kind, Kind).Identity?.Tensors ?? [];
        }
        catch (InvalidInputException)
        {
            return known;
        }

        Dictionary<string, TensorEntry> tensors = model.Tensors.DistinctBy(tensor => tensor.Name).ToDictionary(tensor => tensor.Name, StringComparer.Ordinal);
        foreach (TensorHash entry in entries)
        {
            if (tensors.TryGetValue(entry.Name, out TensorEntry? tensor) && entry.DType == tensor.DType.ToString() && entry.Shape.SequenceEqual(tensor.Shape))
            {
                known[entry.Name] = entry;
            }
        }

        return known;
    }
}
