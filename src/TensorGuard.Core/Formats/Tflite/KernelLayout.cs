namespace TensorGuard.Core.Formats.Tflite;

/// <summary>
/// A TFLite convolution filter, stored channels-last <c>[out, kh, kw, in]</c> (depthwise: <c>[1, kh, kw, channels]</c>),
/// presented as PyTorch stores it, <c>[out, in, kh, kw]</c> (depthwise: <c>[channels, 1, kh, kw]</c>), so each output
/// channel's filter is one row in the element order the fingerprint methods read PyTorch kernels in. A depthwise
/// filter is the same permutation with one output row: <c>[1, channels, kh, kw]</c> has the bytes of <c>[channels, 1, kh, kw]</c>.
/// </summary>
internal sealed class KernelLayout(bool depthwise)
{
    private long _in = 1, _kernel = 1;

    /// <summary>The shape presented, or null when <see cref="Fit"/> found the stored shape is not a filter.</summary>
    public long[]? PresentedShape { get; private set; }

    /// <summary>This layout for a filter stored as <paramref name="shape"/>; null when the shape is no 4-D filter (it is then presented as stored).</summary>
    public KernelLayout? Fit(long[] shape)
    {
        if (shape.Length != 4 || (depthwise && shape[0] != 1))
        {
            return null;
        }

        var layout = new KernelLayout(depthwise) { _in = shape[3], _kernel = shape[1] * shape[2] };
        layout.PresentedShape = depthwise ? [shape[3], 1, shape[1], shape[2]] : [shape[0], shape[3], shape[1], shape[2]];
        return layout;
    }

    /// <summary>The stored element that presented element <paramref name="element"/> reads.</summary>
    public long StoredIndex(long element)
    {
        long perOut = _in * _kernel;
        long output = element / perOut, within = element % perOut;
        return (((output * _kernel) + (within % _kernel)) * _in) + (within / _kernel);
    }
}
