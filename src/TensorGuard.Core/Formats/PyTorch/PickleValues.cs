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

/// <summary>A storage a persistent id refers to: its key, element type and element count.</summary>
public sealed record TorchStorage(string Key, TensorDType DType, long ElementCount);

/// <summary>A tensor rebuilt from a storage: a strided view (offset, shape, strides in elements).</summary>
public sealed record TorchTensor(TorchStorage Storage, long Offset, long[] Shape, long[] Strides)
{
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
}
