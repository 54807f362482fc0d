namespace TensorGuard.Core.Formats.Onnx;

/// <summary>
/// A weight stored quantized, as ONNX Runtime's quantizer writes it: integer codes <c>W_quantized</c>, a float
/// <c>W_scale</c> and an integer <c>W_zero_point</c>, joined by a <c>DequantizeLinear</c> node. The reader presents it
/// under its original name as float32, <c>(code − zero_point) · scale</c>, which is what the graph computes, so it
/// compares with the float model it came from. A scale is per tensor (one value) or per axis (one value per index
/// of the node's <c>axis</c>, default 1 as in the ONNX operator).
/// </summary>
/// <param name="Name">The name presented: the codes' name without the <c>_quantized</c> suffix.</param>
/// <param name="Codes">The integer initializer's name.</param>
/// <param name="Scales">One scale per channel (one in all for a per-tensor scale).</param>
/// <param name="ZeroPoints">One zero point per channel, as <see cref="Scales"/>.</param>
/// <param name="Stride">Elements between consecutive channel indices (1 channel: the tensor's size).</param>
internal sealed record QuantizedInitializer(string Name, string Codes, float[] Scales, float[] ZeroPoints, long Stride)
{
    /// <summary>The suffix ONNX Runtime's quantizer appends to a quantized weight's name.</summary>
    public const string CodesSuffix = "_quantized";

    /// <summary>The DequantizeLinear operator's default axis.</summary>
    public const long DefaultAxis = 1;

    /// <summary>Dequantizes <paramref name="values"/>, the codes read from element <paramref name="firstElement"/> on, in place.</summary>
    public void Apply(long firstElement, Span<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            int channel = (int)((firstElement + i) / Stride % Scales.Length);
            values[i] = (values[i] - ZeroPoints[channel]) * Scales[channel];
        }
    }

    /// <summary>
    /// The quantized weight a <c>DequantizeLinear</c> node reads, or null when its input is not an integer initializer
    /// with float scales (activations are dequantized at run time and are not weights).
    /// </summary>
    /// <exception cref="ModelFormatException">The scale or zero point does not fit the codes' shape.</exception>
    public static QuantizedInitializer? Of(
        string path,
        DequantizeNode node,
        IReadOnlyDictionary<string, TensorEntry> initializers,
        Func<TensorEntry, float[]> readAll)
    {
        if (!initializers.TryGetValue(node.Input, out TensorEntry? codes) || !IsInteger(codes.DType)
            || !initializers.TryGetValue(node.Scale, out TensorEntry? scale) || !IsFloat(scale.DType))
        {
            return null;
        }

        TensorEntry? zeroPoint = node.ZeroPoint is { Length: > 0 } zeroName && initializers.TryGetValue(zeroName, out TensorEntry? found) ? found : null;
        string quoted = $"the quantized initializer \"{UntrustedText.Printable(codes.Name)}\"";
        long channels = scale.ElementCount;
        long stride = codes.ElementCount;
        if (channels != 1)
        {
            long axis = node.Axis < 0 ? node.Axis + codes.Shape.Count : node.Axis;
            if (scale.Shape.Count != 1 || axis < 0 || axis >= codes.Shape.Count || codes.Shape[(int)axis] != channels)
            {
                throw new ModelFormatException(path, $"{quoted} has {channels} scales, which match neither one per tensor nor one per index of axis {node.Axis} of its shape [{string.Join(", ", codes.Shape)}]; the model is corrupt");
            }

            stride = codes.Shape.Skip((int)axis + 1).Aggregate(1L, (product, dim) => product * dim);
        }

        if (zeroPoint is not null && (zeroPoint.ElementCount != channels || !IsInteger(zeroPoint.DType)))
        {
            throw new ModelFormatException(path, $"{quoted} has a zero point of {zeroPoint.ElementCount} {zeroPoint.DType.Name()} values for {channels} scales; the model is corrupt");
        }

        float[] scales = readAll(scale);
        if (scales.Any(s => !float.IsFinite(s)))
        {
            throw new ModelFormatException(path, $"{quoted} has a non-finite scale; the model is corrupt");
        }

        string name = codes.Name.EndsWith(CodesSuffix, StringComparison.Ordinal) && codes.Name.Length > CodesSuffix.Length
            ? codes.Name[..^CodesSuffix.Length]
            : codes.Name;
        return new QuantizedInitializer(name, codes.Name, scales, zeroPoint is null ? new float[channels] : readAll(zeroPoint), Math.Max(stride, 1));
    }

    private static bool IsInteger(TensorDType dtype) => dtype is TensorDType.U8 or TensorDType.I8 or TensorDType.U16 or TensorDType.I16 or TensorDType.I32;

    private static bool IsFloat(TensorDType dtype) => dtype is TensorDType.F32 or TensorDType.F16 or TensorDType.BF16 or TensorDType.F64;
}

/// <summary>A <c>DequantizeLinear</c> node of the graph: its inputs (codes, scale, optional zero point) and axis.</summary>
internal sealed record DequantizeNode(string Input, string Scale, string? ZeroPoint, long Axis);
