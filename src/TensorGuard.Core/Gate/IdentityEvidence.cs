using TensorGuard.Core.Classification;
using TensorGuard.Core.Compliance;
using TensorGuard.Core.Fingerprints;
using TensorGuard.Core.Fingerprints.Identity;
using TensorGuard.Core.Formats;

namespace TensorGuard.Core.Gate;

/// <summary>
/// Byte identity of an artifact with the policy's bases, matched by content, never by name: a weight file whose
/// SHA-256 a base records, and non-trivial tensors whose content hash one of the base's tensors has (renamed and
/// re-sharded copies match). Only tensors whose element count some base tensor shares are hashed, so an artifact of
/// other shapes costs nothing, and nothing is hashed when no base carries tensor hashes.
/// </summary>
public sealed class IdentityEvidence
{
    /// <summary>Files this small hold no weights worth calling identical (an empty shard, a stub).</summary>
    private const long MinimumFileBytes = 2 * TensorHasher.MinimumElements;

    private readonly ReferenceBase[] _bases;
    private readonly HashSet<long> _elementCounts;

    public IdentityEvidence(IReadOnlyList<ReferenceBase> bases)
    {
        _bases = bases.Where(b => b.Identity is not null || b.Files.Count > 0).ToArray();
        _elementCounts = _bases
            .SelectMany(b => b.Identity?.Tensors ?? [])
            .Where(t => !t.Trivial)
            .Select(t => t.Shape.Aggregate(1L, (product, dim) => product * dim))
            .ToHashSet();
    }

    /// <summary>Matches of <paramref name="model"/> (files hashed as in <paramref name="files"/>) with every base that shares anything.</summary>
    /// <param name="cache">Where the model's tensor hashes are remembered between runs; null hashes every tensor needed.</param>
    /// <exception cref="ModelFormatException">A tensor cannot be read.</exception>
    public IReadOnlyList<IdentityMatch> Find(ITensorSource model, IReadOnlyList<SourceFile> files, TensorHashCache? cache = null)
    {
        if (_bases.Length == 0)
        {
            return [];
        }

        Func<TensorEntry, bool> needed = tensor => _elementCounts.Contains(tensor.ElementCount);
        IdentityFingerprint? hashes = !model.Tensors.Any(needed) ? null
            : cache is null ? TensorHasher.Hash(model, needed)
            : cache.Hash(model, needed);
        TensorHash[] counted = hashes?.Tensors.Where(t => !t.Trivial).ToArray() ?? [];
        // Tensors of no base's size were not hashed: they count when large enough, as they cannot be identical.
        int nonTrivial = counted.Length + model.Tensors.Count(t => !_elementCounts.Contains(t.ElementCount)
            && t.DType.IsFloatingPoint() && t.ElementCount >= TensorHasher.MinimumElements && t.Shape.Count >= 2);
        SourceFile[] weightFiles = files.Where(f => f.Size >= MinimumFileBytes).ToArray();
        return _bases
            .Select(b => Match(b, counted, nonTrivial, weightFiles))
            .Where(match => match.Any)
            .ToArray();
    }

    private static IdentityMatch Match(ReferenceBase reference, TensorHash[] counted, int nonTrivial, SourceFile[] files)
    {
        HashSet<string> baseFiles = reference.Files.Select(f => f.Sha256).ToHashSet(StringComparer.Ordinal);
        HashSet<string> baseTensors = (reference.Identity?.Tensors ?? []).Where(t => !t.Trivial).Select(t => t.Hash).ToHashSet(StringComparer.Ordinal);
        return new IdentityMatch(reference.Name,
            files.Count(f => baseFiles.Contains(f.Sha256)), files.Length,
            counted.Count(t => baseTensors.Contains(t.Hash)), reference.Identity is null ? 0 : nonTrivial);
    }
}
