namespace TensorGuard.Core.Formats.PyTorch;

/// <summary>A global the pickle named and the allow-list admitted.</summary>
internal sealed record PickleGlobal(string Module, string Name)
{
    public string FullName => $"{Module}.{Name}";
}

/// <summary>A Python tuple.</summary>
internal sealed record PickleTuple(IReadOnlyList<object?> Items);

/// <summary>A Python dict (or OrderedDict), in insertion order.</summary>
internal sealed class PickleDict : List<KeyValuePair<object?, object?>>;

/// <summary>A Python list.</summary>
internal sealed class PickleList : List<object?>;

/// <summary>A Python set or frozenset.</summary>
internal sealed class PickleSet : List<object?>;

/// <summary>
/// A storage a persistent id refers to: its key, element type and element count; an <see cref="Untyped"/> one
/// (<see cref="TorchDTypes.UntypedStorage"/>) holds bytes that its tensor reads as its own dtype.
/// </summary>
public sealed record TorchStorage(string Key, TensorDType DType, long ElementCount, bool Untyped = false);

/// <summary>
/// A tensor rebuilt from a storage: a strided view (offset, shape, strides in elements). <see cref="DTypeProblem"/>
/// says why its elements cannot be read at all; the view itself is checked by <see cref="Problem"/>.
/// </summary>
public sealed record TorchTensor(TorchStorage Storage, long Offset, long[] Shape, long[] Strides)
{
    /// <summary>Most dimensions a view may have (PyTorch allows 64).</summary>
    public const int MaxRank = 64;

    /// <summary>Why the storage's bytes cannot be read as the tensor's dtype, or null.</summary>
    public string? DTypeProblem { get; init; }

    /// <summary>
    /// The view over an untyped storage read as elements of the dtype <c>torch.&lt;name&gt;</c>, as
    /// <c>_rebuild_tensor_v3</c> reads it: the storage's byte count must be a whole number of elements.
    /// </summary>
    public TorchTensor AsDType(string name)
    {
        if (!TorchDTypes.TryParse(name, out TensorDType dtype))
        {
            return this with { DTypeProblem = $"is saved as torch.{UntrustedText.Printable(name)}, a dtype TensorGuard does not read; save it as float32, float16, bfloat16 or an 8-bit float type" };
        }

        int elementBytes = dtype.BitSize() / 8;
        return Storage.ElementCount % elementBytes == 0
            ? this with { Storage = Storage with { DType = dtype, ElementCount = Storage.ElementCount / elementBytes } }
            : this with { DTypeProblem = $"is a torch.{name} view of storage \"{UntrustedText.Printable(Storage.Key)}\", whose {Storage.ElementCount} bytes are not a whole number of {elementBytes}-byte elements; the checkpoint is corrupt" };
    }

    /// <summary>Whether the view is the storage's elements in row-major order from <see cref="Offset"/>.</summary>
    public bool IsContiguous
    {
        get
        {
            long expected = 1;
            for (int i = Shape.Length - 1; i >= 0; i--)
            {
                if (Shape[i] != 1 && Strides[i] != expected)
                {
                    return false;
                }

                expected *= Shape[i];
            }

            return true;
        }
    }

    /// <summary>
    /// Why the view cannot be read, or null when it addresses distinct elements inside its storage. Views that
    /// repeat elements (stride 0 from <c>expand()</c>, overlapping strides) are refused: their declared shape
    /// could be far larger than the bytes stored, and every later stage budgets its work by the shape.
    /// </summary>
    public string? Problem()
    {
        if (DTypeProblem is not null)
        {
            return DTypeProblem;
        }

        string shape = $"shape [{string.Join(", ", Shape)}]";
        if (Offset < 0)
        {
            return $"starts at offset {Offset} of storage \"{UntrustedText.Printable(Storage.Key)}\"; offsets are never negative, the checkpoint is corrupt";
        }

        long elements = 1;
        long last = Offset;
        foreach ((long size, long stride) in Shape.Zip(Strides))
        {
            if (!SizeArithmetic.TryMultiply(elements, size, out elements)
                || (size > 0 && (!SizeArithmetic.TryMultiply(size - 1, stride, out long reach) || !SizeArithmetic.TryAdd(last, reach, out last))))
            {
                return $"has {shape} with strides [{string.Join(", ", Strides)}], whose size overflows 64-bit arithmetic; the checkpoint is corrupt";
            }
        }

        if (elements == 0)
        {
            return null;
        }

        if (last >= Storage.ElementCount)
        {
            return $"has {shape} at offset {Offset}, which reaches element {last} of storage \"{UntrustedText.Printable(Storage.Key)}\" holding {Storage.ElementCount}; the checkpoint is corrupt";
        }

        // Distinct elements: ordered by stride, each axis must step past everything the smaller axes reach.
        long reached = 0;
        foreach ((long size, long stride) in Shape.Zip(Strides).Where(axis => axis.First > 1).OrderBy(axis => axis.Second))
        {
            if (stride <= reached)
            {
                return $"is a view with {shape} and strides [{string.Join(", ", Strides)}] that repeats elements of its storage (a stride of 0 or overlapping strides, as expand() makes); TensorGuard reads only views of distinct elements: save tensor.contiguous() instead";
            }

            reached += (size - 1) * stride;
        }

        return null;
    }
}
