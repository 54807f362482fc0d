namespace TensorGuard.Core.Formats;

/// <summary>The first step of every format's <see cref="ITensorSource.ReadFloat32"/>: find the tensor, check the range.</summary>
internal static class StoredTensors
{
    /// <summary>
    /// The stored form of <paramref name="tensor"/> in <paramref name="stored"/>, once a read of <paramref name="count"/>
    /// elements from <paramref name="firstElement"/> is known to stay inside it.
    /// </summary>
    /// <exception cref="ArgumentException">The tensor is not one of this file's.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The read leaves the tensor.</exception>
    public static T Find<T>(IReadOnlyDictionary<string, T> stored, TensorEntry tensor, string path, long firstElement, int count)
    {
        if (!stored.TryGetValue(tensor.Name, out T? found))
        {
            throw new ArgumentException($"Tensor {tensor.Name} is not in {path}.", nameof(tensor));
        }

        MappedFile.CheckRange(tensor, firstElement, count);
        return found;
    }
}
