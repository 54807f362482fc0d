namespace TensorGuard.Core.Formats.Onnx;

/// <summary>
/// A weight stored quantized, as ONNX Runtime's quantizer writes it: codes (<c>W_quantized</c>), a float scale and an
/// optional zero point of the codes' type, read by an operator (see <see cref="QuantizedUse"/>). Codes are integers
/// (8-, 16- or 4-bit) or, from opset 19, 8-bit floats (FLOAT8E4M3FN, FLOAT8E4M3FNUZ, FLOAT8E5M2, FLOAT8E5M2FNUZ), whose
/// zero point must be 0 (the ONNX reference implementation refuses any other). The reader presents the weight under its
/// original name as float32, <c>(code − zero_point) · scale</c>, which is what the graph computes, so it compares with
/// the float model it came from. A scale is per tensor (one value), per axis (one value per index of
/// the axis) or blocked (the codes' shape with the axis divided into blocks of <c>block_size</c>, opset 21).
/// </summary>
/// <param name="Name">The name presented: the codes' name without the <c>_quantized</c> suffix.</param>
/// <param name="Codes">The codes' initializer's name.</param>
/// <param name="Scales">The scales, in the scale tensor's row-major order.</param>
/// <param name="ZeroPoints">One zero point per scale.</param>
/// <param name="Layout">Which scale each element of the codes uses.</param>
internal sealed record QuantizedInitializer(string Name, string Codes, float[] Scales, float[] ZeroPoints, ScaleLayout Layout)
{
    /// <summary>The suffix ONNX Runtime's quantizer appends to a quantized weight's name.</summary>
    public const string CodesSuffix = "_quantized";

    /// <summary>Dequantizes <paramref name="values"/>, the codes read from element <paramref name="firstElement"/> on, in place.</summary>
    public void Apply(long firstElement, Span<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            int scale = Layout.ScaleOf(firstElement + i);
            values[i] = (values[i] - ZeroPoints[scale]) * Scales[scale];
        }
    }

    /// <summary>
    /// The quantized weight <paramref name="use"/> reads, or null when its codes are not an initializer of a code type
    /// with float scales (activations are quantized at run time and are not weights).
    /// </summary>
    /// <exception cref="ModelFormatException">The scale or zero point does not fit the codes, or a scale is not finite.</exception>
    public static QuantizedInitializer? Of(
        string path,
        QuantizedUse use,
        IReadOnlyDictionary<string, TensorEntry> initializers,
        Func<TensorEntry, float[]> readAll)
    {
        if (!initializers.TryGetValue(use.Codes, out TensorEntry? codes) || !IsCode(codes.DType)
            || !initializers.TryGetValue(use.Scale, out TensorEntry? scale) || !IsFloat(scale.DType))
        {
            return null;
        }

        TensorEntry? zeroPoint = use.ZeroPoint is { } zeroName && initializers.TryGetValue(zeroName, out TensorEntry? found) ? found : null;
        string quoted = $"the quantized initializer \"{UntrustedText.Printable(codes.Name)}\"";
        ScaleLayout layout = ScaleLayout.Of(codes.Shape, scale.Shape, use.Axis, use.BlockSize)
            ?? throw new ModelFormatException(path, use.BlockSize > 0
                ? $"{quoted} has scales of shape [{string.Join(", ", scale.Shape)}], which do not fit blocks of {use.BlockSize} along axis {use.Axis} of its shape [{string.Join(", ", codes.Shape)}]; the model is corrupt"
                : $"{quoted} has {scale.ElementCount} scales, which match neither one per tensor nor one per index of axis {use.Axis} of its shape [{string.Join(", ", codes.Shape)}]; the model is corrupt");

        if (zeroPoint is not null && (zeroPoint.ElementCount != scale.ElementCount || zeroPoint.DType != codes.DType))
        {
            throw new ModelFormatException(path, $"{quoted} has a zero point of {zeroPoint.ElementCount} {zeroPoint.DType.Name()} values for {scale.ElementCount} scales of {codes.DType.Name()} codes (one per scale, of the codes' type); the model is corrupt");
        }

        float[] scales = readAll(scale);
        if (scales.Any(s => !float.IsFinite(s)))
        {
            throw new ModelFormatException(path, $"{quoted} has a non-finite scale; the model is corrupt");
        }

        float[] zeroPoints = zeroPoint is null ? new float[scales.Length] : readAll(zeroPoint);
        if (IsFloat8(codes.DType) && zeroPoints.Any(z => z != 0))
        {
            throw new ModelFormatException(path, $"{quoted} holds {codes.DType.Name()} codes with a non-zero zero point, which 8-bit float codes do not allow; the model is corrupt");
        }

        string name = codes.Name.EndsWith(CodesSuffix, StringComparison.Ordinal) && codes.Name.Length > CodesSuffix.Length
            ? codes.Name[..^CodesSuffix.Length]
            : codes.Name;
        return new QuantizedInitializer(name, codes.Name, scales, zeroPoints, layout);
    }

    /// <summary>Whether an operator may read <paramref name="dtype"/> as quantized codes: integers, or 8-bit floats.</summary>
    private static bool IsCode(TensorDType dtype) =>
        dtype is TensorDType.U8 or TensorDType.I8 or TensorDType.U16 or TensorDType.I16 or TensorDType.I32 or TensorDType.I4 or TensorDType.U4
        || IsFloat8(dtype);

    private static bool IsFloat8(TensorDType dtype) =>
        dtype is TensorDType.F8E4M3 or TensorDType.F8E4M3Fnuz or TensorDType.F8E5M2 or TensorDType.F8E5M2Fnuz;

    private static bool IsFloat(TensorDType dtype) => dtype is TensorDType.F32 or TensorDType.F16 or TensorDType.BF16 or TensorDType.F64;
}

/// <summary>
/// Which scale an element of the codes uses. Element index e splits into (outer, a, inner) around the axis
/// (a indexes the axis, inner the <see cref="Inner"/> elements after it); its scale is
/// <c>outer·OuterStride + (a / Block)·AxisStride + inner·InnerStride</c> in the scale tensor. Per tensor every stride
/// is 0; per axis only the axis counts; blocked, the scale tensor has the codes' shape with the axis divided by the block.
/// </summary>
internal sealed record ScaleLayout(long Inner, long AxisLength, long Block, long OuterStride, long AxisStride, long InnerStride)
{
    private static readonly ScaleLayout PerTensor = new(1, 1, 1, 0, 0, 0);

    public int ScaleOf(long element)
    {
        long rest = element / Inner;
        return (int)((rest / AxisLength * OuterStride) + (rest % AxisLength / Block * AxisStride) + (element % Inner * InnerStride));
    }

    /// <summary>The layout of scales shaped <paramref name="scale"/> for codes shaped <paramref name="codes"/>; null when they do not fit.</summary>
    public static ScaleLayout? Of(IReadOnlyList<long> codes, IReadOnlyList<long> scale, long axis, long blockSize)
    {
        long count = scale.Aggregate(1L, (product, dim) => product * dim);
        long at = axis < 0 ? axis + codes.Count : axis;
        bool axisFits = at >= 0 && at < codes.Count;
        if (blockSize <= 0 && count == 1)
        {
            return PerTensor;
        }

        if (!axisFits || count > int.MaxValue)
        {
            return null;
        }

        long length = codes[(int)at];
        long inner = codes.Skip((int)at + 1).Aggregate(1L, (product, dim) => product * dim);
        if (blockSize <= 0)
        {
            return scale.Count == 1 && length == count ? new ScaleLayout(Math.Max(inner, 1), Math.Max(length, 1), 1, 0, 1, 0) : null;
        }

        long blocks = (length / blockSize) + (length % blockSize == 0 ? 0 : 1);
        bool fits = scale.Count == codes.Count && scale.Select((dim, i) => i == at ? dim == blocks : dim == codes[i]).All(same => same);
        return fits ? new ScaleLayout(Math.Max(inner, 1), Math.Max(length, 1), blockSize, blocks * inner, inner, 1) : null;
    }
}
