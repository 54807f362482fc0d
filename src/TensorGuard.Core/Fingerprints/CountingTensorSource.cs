using TensorGuard.Core.Formats;

namespace TensorGuard.Core.Fingerprints;

/// <summary>
/// Passes reads through to a model and counts the values read, so a fingerprint run can say how much of the
/// model it touched. Does not own the model: disposing it leaves the model open.
/// </summary>
/// <remarks>
/// The methods read some tensors twice (the gradient pass reads a selected weight whole, the lineage sketch reads
/// parts of it again), so the total can exceed the model's size. Per tensor the count is also kept and capped
/// at the tensor's size, which bounds the distinct weights read without tracking every range.
/// </remarks>
internal sealed class CountingTensorSource : ITensorSource
{
    private readonly ITensorSource _inner;
    private readonly Dictionary<TensorEntry, long[]> _perTensor;
    private long _valuesRead;

    public CountingTensorSource(ITensorSource inner)
    {
        _inner = inner;
        _perTensor = new Dictionary<TensorEntry, long[]>(ReferenceEqualityComparer.Instance);
        foreach (TensorEntry tensor in inner.Tensors)
        {
            _perTensor.TryAdd(tensor, new long[1]);
        }
    }

    /// <summary>Values converted so far, over all threads.</summary>
    public long ValuesRead => Interlocked.Read(ref _valuesRead);

    /// <summary>Weights read at least once, counting each tensor at most whole (an upper bound of the distinct weights read).</summary>
    public long WeightsRead => _perTensor.Sum(pair => Math.Min(Interlocked.Read(ref pair.Value[0]), pair.Key.ElementCount));

    public IReadOnlyList<TensorEntry> Tensors => _inner.Tensors;

    public void ReadFloat32(TensorEntry tensor, long firstElement, Span<float> destination)
    {
        _inner.ReadFloat32(tensor, firstElement, destination);
        Interlocked.Add(ref _valuesRead, destination.Length);
        if (_perTensor.TryGetValue(tensor, out long[]? count))
        {
            Interlocked.Add(ref count[0], destination.Length);
        }
    }

    public void Dispose()
    {
    }
}
