using System.IO.Hashing;
using System.Runtime.InteropServices;
using TensorGuard.Core.Formats;

namespace TensorGuard.Core.Fingerprints.Identity;

/// <summary>The content hash of one tensor (<c>tensorguard-identity</c>), and whether it is too trivial to count as evidence.</summary>
/// <param name="Bytes">The tensor's stored size (elements × the dtype's width).</param>
/// <param name="Hash">XxHash128 of the tensor's values as little-endian float32, 32 lower-case hex digits.</param>
/// <param name="Trivial">Constant, structured (few distinct values) or small: equal in unrelated models, so never evidence.</param>
public sealed record TensorHash(string Name, string DType, IReadOnlyList<long> Shape, long Bytes, string Hash, bool Trivial);

/// <summary>The content hashes of every tensor of a model (method <c>tensorguard-identity</c>).</summary>
public sealed record IdentityFingerprint(IReadOnlyList<TensorHash> Tensors)
{
    public const string MethodId = "tensorguard-identity";
    public const int Version = 1;

    /// <summary>The hash, as the document names it.</summary>
    public const string HashName = "xxh128-float32";
}

/// <summary>
/// Hashes tensors by content. The hash covers the values, read as float32 through <see cref="ITensorSource"/>, not
/// the container's bytes: every format (safetensors, GGUF, ONNX, PyTorch, a merged adapter) is read the same way, and
/// a lossless conversion (BF16 or F16 widened to F32, a re-sharded or renamed copy) keeps the hash, while any change of a
/// value changes it. XxHash128, not SHA-256: this is an equality test between the artifact and bases the user chose,
/// not a defence against a forger (who could change one bit and evade any hash); 128 bits make accidental collisions
/// negligible, and it runs at memory speed, so it stays far below the cost of converting the values it reads.
/// </summary>
public static class TensorHasher
{
    /// <summary>Tensors with fewer elements never count: norms, biases and small buffers coincide across unrelated models.</summary>
    public const long MinimumElements = 4096;

    /// <summary>Evenly spaced elements inspected for structure; fewer distinct values than <see cref="MinimumDistinct"/> is trivial.</summary>
    private const int Samples = 64;

    private const int MinimumDistinct = 16;
    private const int BlockElements = 1 << 16;

    /// <summary>
    /// Hashes the floating-point tensors of <paramref name="source"/> that <paramref name="include"/> selects (all when
    /// null), in source order; integer tensors (ids, masks) and dtypes that cannot be read as float32 are left out.
    /// </summary>
    /// <exception cref="ModelFormatException">A tensor cannot be read.</exception>
    public static IdentityFingerprint Hash(ITensorSource source, Func<TensorEntry, bool>? include = null, int maxParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(source);
        TensorEntry[] selected = source.Tensors
            .Where(tensor => tensor.DType.IsFloatingPoint() && tensor.DType.IsConvertible() && (include?.Invoke(tensor) ?? true))
            .ToArray();
        var hashes = new TensorHash[selected.Length];
        ParallelWork.Run(() => Parallel.For(0, selected.Length, new ParallelOptions { MaxDegreeOfParallelism = maxParallelism },
            () => new float[BlockElements],
            (i, _, block) =>
            {
                hashes[i] = HashOne(source, selected[i], block);
                return block;
            },
            _ => { }));
        return new IdentityFingerprint(hashes);
    }

    private static TensorHash HashOne(ITensorSource source, TensorEntry tensor, float[] block)
    {
        var hash = new XxHash128();
        long stride = Math.Max(1, tensor.ElementCount / Samples);
        var samples = new HashSet<uint>();
        for (long start = 0; start < tensor.ElementCount; start += block.Length)
        {
            int count = (int)Math.Min(block.Length, tensor.ElementCount - start);
            Span<float> values = block.AsSpan(0, count);
            source.ReadFloat32(tensor, start, values);
            if (!BitConverter.IsLittleEndian)
            {
                throw new PlatformNotSupportedException("tensor hashes are defined over little-endian float32");
            }

            hash.Append(MemoryMarshal.AsBytes(values));
            for (long next = ((start + stride - 1) / stride) * stride; next < start + count && samples.Count < Samples; next += stride)
            {
                samples.Add(BitConverter.SingleToUInt32Bits(values[(int)(next - start)]));
            }
        }

        bool trivial = tensor.ElementCount < MinimumElements || tensor.Shape.Count < 2 || samples.Count < MinimumDistinct;
        return new TensorHash(tensor.Name, tensor.DType.ToString(), tensor.Shape, StoredBytes(tensor), Convert.ToHexStringLower(hash.GetCurrentHash()), trivial);
    }

    /// <summary>Elements × width; 0 for block-quantized dtypes, whose blocks have no per-element width.</summary>
    private static long StoredBytes(TensorEntry tensor) =>
        tensor.DType.IsBlockQuantized() ? 0 : checked(tensor.ElementCount * tensor.DType.BitSize() / 8);
}
