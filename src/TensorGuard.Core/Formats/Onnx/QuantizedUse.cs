namespace TensorGuard.Core.Formats.Onnx;

/// <summary>A graph node, as far as finding quantized weights needs it: operator, inputs, first output and quantization attributes.</summary>
internal sealed record OperatorNode(string OpType, IReadOnlyList<string> Inputs, string Output, long? Axis, long? BlockSize)
{
    /// <summary>Most inputs any operator read here takes (QLinearConv: 9).</summary>
    public const int MaxInputs = 9;

    /// <summary>Input <paramref name="index"/>, or null when it is absent or left empty (an omitted optional input).</summary>
    public string? Input(int index) => index < Inputs.Count && Inputs[index].Length > 0 ? Inputs[index] : null;
}

/// <summary>
/// One weight that an operator reads as quantized codes (integers or 8-bit floats): the codes' initializer, its scale
/// and optional zero point, and how the scale is laid out (per tensor, per index of <see cref="Axis"/>, or per block of
/// <see cref="BlockSize"/> along it). The operators, as the ONNX operator reference defines them:
/// <list type="bullet">
/// <item><c>DequantizeLinear(x, x_scale, x_zero_point)</c>, attributes <c>axis</c> (default 1) and <c>block_size</c> (opset 21).</item>
/// <item><c>QLinearConv(x, x_scale, x_zp, w, w_scale, w_zp, …)</c>: <c>w_scale</c> per tensor or per output channel (axis 0).</item>
/// <item><c>QLinearMatMul(a, a_scale, a_zp, b, b_scale, b_zp, …)</c>: <c>b_scale</c> per tensor or per column of b (last axis).</item>
/// <item><c>ConvInteger(x, w, x_zp, w_zp)</c> and <c>MatMulInteger(a, b, a_zp, b_zp)</c> take no scale: the graph multiplies
/// the integer result by it afterwards. ONNX Runtime's dynamic quantizer writes <c>Cast</c> then <c>Mul</c> by
/// <c>Mul(activation scale, weight scale)</c>, so the weight's scale is the float initializer found by following that
/// chain; without it the codes stay integers (and are left out of the fingerprint), never guessed.</item>
/// </list>
/// </summary>
internal sealed record QuantizedUse(string Codes, string Scale, string? ZeroPoint, long Axis, long BlockSize)
{
    /// <summary>The DequantizeLinear operator's default axis.</summary>
    public const long DefaultAxis = 1;

    /// <summary>Every weight use in <paramref name="nodes"/> (graph order) whose codes and scale are named.</summary>
    public static IEnumerable<QuantizedUse> In(IReadOnlyList<OperatorNode> nodes, Func<string, bool> isFloatInitializer)
    {
        GraphIndex? index = null;
        foreach (OperatorNode node in nodes)
        {
            QuantizedUse? use = node.OpType switch
            {
                "DequantizeLinear" => Of(node.Input(0), node.Input(1), node.Input(2), node.Axis ?? DefaultAxis, node.BlockSize ?? 0),
                "QLinearConv" => Of(node.Input(3), node.Input(4), node.Input(5), 0, 0),
                "QLinearMatMul" => Of(node.Input(3), node.Input(4), node.Input(5), -1, 0),
                "ConvInteger" => Of(node.Input(1), (index ??= new GraphIndex(nodes)).ScaleApplied(node, isFloatInitializer), node.Input(3), 0, 0),
                "MatMulInteger" => Of(node.Input(1), (index ??= new GraphIndex(nodes)).ScaleApplied(node, isFloatInitializer), node.Input(3), -1, 0),
                _ => null,
            };
            if (use is not null)
            {
                yield return use;
            }
        }
    }

    private static QuantizedUse? Of(string? codes, string? scale, string? zeroPoint, long axis, long blockSize) =>
        codes is null || scale is null ? null : new QuantizedUse(codes, scale, zeroPoint, axis, blockSize);

    /// <summary>Which nodes read and write each value, to follow an integer result to the scale it is multiplied by.</summary>
    private sealed class GraphIndex
    {
        private readonly Dictionary<string, List<OperatorNode>> _consumers = new(StringComparer.Ordinal);
        private readonly Dictionary<string, OperatorNode> _producers = new(StringComparer.Ordinal);

        public GraphIndex(IReadOnlyList<OperatorNode> nodes)
        {
            foreach (OperatorNode node in nodes)
            {
                _producers.TryAdd(node.Output, node);
                foreach (string input in node.Inputs.Distinct(StringComparer.Ordinal))
                {
                    (_consumers.TryGetValue(input, out List<OperatorNode>? readers) ? readers : _consumers[input] = []).Add(node);
                }
            }
        }

        /// <summary>
        /// The float initializer the integer result of <paramref name="node"/> is scaled by: its only reader is a
        /// <c>Cast</c>, whose only reader is a <c>Mul</c> by an initializer or by a <c>Mul</c> of exactly one initializer
        /// and a computed (activation) scale. Null for any other shape of graph.
        /// </summary>
        public string? ScaleApplied(OperatorNode node, Func<string, bool> isFloatInitializer)
        {
            if (OnlyReader(node.Output, "Cast") is not { } cast || OnlyReader(cast.Output, "Mul") is not { } mul)
            {
                return null;
            }

            string? factor = mul.Inputs.Count == 2 ? mul.Inputs[mul.Inputs[0] == cast.Output ? 1 : 0] : null;
            if (factor is null || isFloatInitializer(factor))
            {
                return factor;
            }

            return _producers.TryGetValue(factor, out OperatorNode? product) && product.OpType == "Mul" && product.Inputs.Count == 2
                && product.Inputs.Where(isFloatInitializer).ToArray() is [string scale]
                ? scale
                : null;
        }

        private OperatorNode? OnlyReader(string value, string opType) =>
            value.Length > 0 && _consumers.TryGetValue(value, out List<OperatorNode>? readers) && readers is [OperatorNode reader] && reader.OpType == opType
                ? reader
                : null;
    }
}
