namespace TensorGuard.Core.Formats.Tflite;

/// <summary>
/// How a TFLite convolution operator stores its filter (input 1 of each), as the stored axis that each axis of
/// PyTorch's order reads. Presenting filters in PyTorch's order makes each row the one PyTorch and ONNX have
/// (see <c>WeightMatrix</c>), so a model converted to TFLite fingerprints as its original
/// (tensorflow/lite/kernels: conv.cc, depthwise_conv.cc, transpose_conv.cc, conv3d.cc, conv3d_transpose.cc).
/// </summary>
internal sealed class KernelLayout
{
    // BuiltinOperator codes (tensorflow/lite/schema/schema.fbs).
    private const int Conv2DCode = 3, DepthwiseConv2DCode = 4, TransposeConvCode = 67, Conv3DCode = 132, Conv3DTransposeCode = 141;

    private readonly int[] _axes;
    private readonly bool _singleOutput;

    private KernelLayout(int[] axes, bool singleOutput = false)
    {
        _axes = axes;
        _singleOutput = singleOutput;
    }

    /// <summary><c>CONV_2D</c>: <c>[out, kh, kw, in]</c> as <c>[out, in, kh, kw]</c>.</summary>
    public static KernelLayout Conv2D { get; } = new([0, 3, 1, 2]);

    /// <summary>
    /// <c>DEPTHWISE_CONV_2D</c>: <c>[1, kh, kw, channels]</c> as <c>[channels, 1, kh, kw]</c>. Any other first side is
    /// not a depthwise filter and is read as stored.
    /// </summary>
    public static KernelLayout DepthwiseConv2D { get; } = new([3, 0, 1, 2], singleOutput: true);

    /// <summary><c>TRANSPOSE_CONV</c>: <c>[out, kh, kw, in]</c> as PyTorch's <c>ConvTranspose2d</c> stores it, <c>[in, out, kh, kw]</c>.</summary>
    public static KernelLayout TransposeConv { get; } = new([3, 0, 1, 2]);

    /// <summary>
    /// <c>CONV_3D</c>: <c>[kd, kh, kw, in, out]</c> as <c>[out, in, kd, kh, kw]</c>; and <c>CONV_3D_TRANSPOSE</c>:
    /// <c>[kd, kh, kw, out, in]</c> as PyTorch's <c>ConvTranspose3d</c> stores it, <c>[in, out, kd, kh, kw]</c>, the same mapping.
    /// </summary>
    public static KernelLayout Conv3D { get; } = new([4, 3, 0, 1, 2]);

    /// <summary>The layout of the filter that the operator of builtin code <paramref name="code"/> reads, or null for other operators.</summary>
    public static KernelLayout? Of(int code) => code switch
    {
        Conv2DCode => Conv2D,
        DepthwiseConv2DCode => DepthwiseConv2D,
        TransposeConvCode => TransposeConv,
        Conv3DCode or Conv3DTransposeCode => Conv3D,
        _ => null,
    };

    /// <summary>
    /// This layout applied to a filter stored as <paramref name="shape"/> (whose element count the caller has checked
    /// against its buffer); null when the shape does not fit, and the filter is then read as stored.
    /// </summary>
    public PermutedKernel? Fit(long[] shape)
    {
        if (shape.Length != _axes.Length || (_singleOutput && shape[0] != 1))
        {
            return null;
        }

        var storedStrides = new long[shape.Length];
        long stride = 1;
        for (int axis = shape.Length - 1; axis >= 0; axis--)
        {
            storedStrides[axis] = stride;
            if (shape[axis] < 1 || !SizeArithmetic.TryMultiply(stride, shape[axis], out stride))
            {
                return null;
            }
        }

        return new PermutedKernel(_axes.Select(axis => shape[axis]).ToArray(), _axes.Select(axis => storedStrides[axis]).ToArray());
    }
}

/// <summary>A filter presented in another axis order: which stored element each presented element reads.</summary>
/// <param name="PresentedShape">The shape presented.</param>
/// <param name="StoredStrides">For each presented axis, the distance in stored elements between its neighbouring indices.</param>
internal sealed record PermutedKernel(long[] PresentedShape, long[] StoredStrides)
{
    /// <summary>
    /// Fills <paramref name="destination"/> with the stored elements that the presented elements (row-major over
    /// <see cref="PresentedShape"/>) from <paramref name="firstElement"/> on read. The index is carried from one element
    /// to the next, as an odometer, rather than divided out of each.
    /// </summary>
    public void StoredIndices(long firstElement, Span<long> destination)
    {
        Span<long> coordinate = stackalloc long[PresentedShape.Length];
        long stored = 0, rest = firstElement;
        for (int axis = PresentedShape.Length - 1; axis >= 0; axis--)
        {
            coordinate[axis] = rest % PresentedShape[axis];
            stored += coordinate[axis] * StoredStrides[axis];
            rest /= PresentedShape[axis];
        }

        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = stored;
            for (int axis = PresentedShape.Length - 1; axis >= 0; axis--)
            {
                stored += StoredStrides[axis];
                if (++coordinate[axis] < PresentedShape[axis])
                {
                    break;
                }

                stored -= coordinate[axis] * StoredStrides[axis];
                coordinate[axis] = 0;
            }
        }
    }
}
