using TensorGuard.Core.Formats;

namespace TensorGuard.Core.Fingerprints;

/// <summary>
/// How both fingerprint methods see a weight as a matrix. A 2-D weight is its own matrix. A convolution
/// kernel stored as PyTorch and ONNX store it, <c>[out, in, k…]</c> (rank 3 to 5), is the matrix
/// <c>out × (in·k…)</c>: its row-major bytes already are that matrix, each output channel's filter one row, so
/// the output channels play the units and the channel dimension the hidden width. Nothing else is read as a
/// matrix: a rank-3 tensor whose trailing dimensions are wider than <see cref="MaxKernelSide"/> is taken for
/// stacked matrices (mixture-of-experts weights <c>[experts, out, in]</c>), not a kernel.
/// </summary>
public static class WeightMatrix
{
    /// <summary>
    /// The widest spatial side a kernel may have. Vision and audio kernels are 1 to 11 wide; stacked expert
    /// matrices have a model width (hundreds or more) there.
    /// </summary>
    public const long MaxKernelSide = 32;

    /// <summary>Whether <paramref name="tensor"/> is read as a matrix (2-D, or a convolution kernel).</summary>
    public static bool Is(TensorEntry tensor) => tensor.Shape.Count == 2 || IsConvolution(tensor);

    /// <summary>A kernel <c>[out, in, k…]</c> of rank 3 to 5 whose spatial sides are all between 1 and <see cref="MaxKernelSide"/>.</summary>
    public static bool IsConvolution(TensorEntry tensor) =>
        tensor.Shape.Count is >= 3 and <= 5 && tensor.Shape.Skip(2).All(side => side is >= 1 and <= MaxKernelSide);

    /// <summary>The matrix's rows: the first dimension (output channels for a kernel).</summary>
    public static long Rows(TensorEntry tensor) => tensor.Shape[0];

    /// <summary>The matrix's columns: the product of the other dimensions (<c>in·k…</c> for a kernel).</summary>
    public static long Columns(TensorEntry tensor) => tensor.RowLength;
}
