using TensorGuard.Core.Formats;

namespace TensorGuard.Core.Fingerprints;

/// <summary>
/// Passes reads through to a model and counts the values read, so a fingerprint run can say how much of the
/// model it touched. Does not own the model: disposing it leaves the model open.
/// </summary>
internal sealed class CountingTensorSource(ITensorSource inner) : ITensorSource
{
    private long _valuesRead;

    /// <summary>Values converted so far, over all threads.</summary>
    public long ValuesRead => Interlocked.Read(ref _valuesRead);

    public IReadOnlyList<TensorEntry> Tensors => inner.Tensors;

    public void ReadFloat32(TensorEntry tensor, long firstElement, Span<float> destination)
    {
        inner.ReadFloat32(tensor, firstElement, destination);
        Interlocked.Add(ref _valuesRead, destination.Length);
    }

    public void Dispose()
    {
    }
}
