using System.Buffers.Binary;
using System.Text;
using TensorGuard.Core.Formats;

namespace TensorGuard.ModelFactory.Formats;

/// <summary>
/// Writes ONNX ModelProto files for tests with the protobuf wire format by hand (onnx.proto field numbers):
/// initializers as raw_data, typed fields (packed or not) or external data next to the model, and weights
/// quantized as ONNX Runtime's quantizer stores them: codes, scale and zero point initializers read by a
/// DequantizeLinear, QLinearConv or QLinearMatMul node, or by ConvInteger/MatMulInteger followed by the
/// Cast and Mul of ONNX Runtime's dynamic quantization.
/// </summary>
public sealed class OnnxWriter
{
    private readonly List<byte[]> _initializers = [];
    private readonly List<byte[]> _nodes = [];
    private readonly List<(string Key, string Value)> _metadata = [];

    /// <summary>How an initializer's values are stored.</summary>
    public enum Storage
    {
        Raw,
        Typed,
        TypedUnpacked,
        External,
    }

    /// <summary>The operator that reads a quantized weight.</summary>
    public enum QuantizedOperator
    {
        DequantizeLinear,
        QLinearConv,
        QLinearMatMul,
        ConvInteger,
        MatMulInteger,
    }

    /// <summary>External data written by <see cref="Write"/> next to the model, by file name.</summary>
    public Dictionary<string, MemoryStream> ExternalFiles { get; } = new(StringComparer.Ordinal);

    public string ProducerName { get; init; } = "pytorch";

    public OnnxWriter Metadata(string key, string value)
    {
        _metadata.Add((key, value));
        return this;
    }

    /// <summary>An initializer of <paramref name="dtype"/> (F32, F16, BF16, F64, I64, I32, integer and 8-bit float codes) stored as asked.</summary>
    public OnnxWriter Initializer(string name, long[] dims, TensorDType dtype, float[] values, Storage storage = Storage.Raw, string externalFile = "model.onnx_data")
    {
        var tensor = new Proto();
        foreach (long dim in dims)
        {
            tensor.Varint(1, (ulong)dim);
        }

        tensor.Varint(2, DataType(dtype)).String(8, name);
        switch (storage)
        {
            case Storage.Raw:
                tensor.Bytes(9, ElementBytes.Encode(dtype, values));
                break;
            case Storage.External:
                MemoryStream file = ExternalFiles.TryGetValue(externalFile, out MemoryStream? existing) ? existing : ExternalFiles[externalFile] = new MemoryStream();
                long offset = file.Length;
                byte[] data = ElementBytes.Encode(dtype, values);
                file.Write(data);
                tensor.Message(13, new Proto().String(1, "location").String(2, externalFile))
                    .Message(13, new Proto().String(1, "offset").String(2, offset.ToString(System.Globalization.CultureInfo.InvariantCulture)))
                    .Message(13, new Proto().String(1, "length").String(2, data.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)))
                    .Varint(14, 1);
                break;
            default:
                Typed(tensor, dtype, values, packed: storage == Storage.Typed);
                break;
        }

        _initializers.Add(tensor.ToArray());
        return this;
    }

    /// <summary>
    /// A weight quantized to uint8 with asymmetric min/max scaling, as ONNX Runtime writes it: <c>NAME_quantized</c>,
    /// <c>NAME_scale</c>, <c>NAME_zero_point</c> and a DequantizeLinear node. With <paramref name="axis"/> the scale and
    /// zero point are per index of that axis (per channel), otherwise one for the tensor.
    /// </summary>
    public OnnxWriter QuantizedInitializer(string name, long[] dims, float[] values, int? axis = null) =>
        QuantizedWeight(name, dims, values, QuantizedOperator.DequantizeLinear, TensorDType.U8, axis);

    /// <summary>
    /// A weight quantized to <paramref name="codes"/>: <c>NAME_quantized</c>, <c>NAME_scale</c>, <c>NAME_zero_point</c>,
    /// read by <paramref name="op"/>. Integer codes (U8, I8, U16, I16, U4, I4) get asymmetric min/max scaling; 8-bit
    /// float codes (F8_E4M3, F8_E4M3FNUZ, F8_E5M2, F8_E5M2FNUZ, opset 19) symmetric scaling, the largest magnitude
    /// mapped to the type's largest finite value, and a zero point of 0. Scales are per tensor, per index of
    /// <paramref name="axis"/>, or (with <paramref name="blockSize"/>, DequantizeLinear only) per block of that many
    /// indices along it, shaped like the weight with the axis divided into blocks (opset 21).
    /// </summary>
    public OnnxWriter QuantizedWeight(string name, long[] dims, float[] values, QuantizedOperator op, TensorDType codes, int? axis = null, long blockSize = 0)
    {
        bool float8 = Float8Codes.Types.Contains(codes);
        (float low, float high) = float8 ? (-Float8Codes.MaxFinite(codes), Float8Codes.MaxFinite(codes)) : codes switch
        {
            TensorDType.U8 => (0f, 255f),
            TensorDType.I8 => (-128f, 127f),
            TensorDType.U16 => (0f, 65535f),
            TensorDType.I16 => (-32768f, 32767f),
            TensorDType.U4 => (0f, 15f),
            TensorDType.I4 => (-8f, 7f),
            _ => throw new ArgumentOutOfRangeException(nameof(codes), codes, "Not a code type."),
        };
        int at = axis ?? 0;
        long length = axis is null ? 1 : dims[at];
        long inner = axis is null ? values.Length : dims.Skip(at + 1).Aggregate(1L, (product, dim) => product * dim);
        long blocks = blockSize > 0 ? (length + blockSize - 1) / blockSize : length;
        long[] scaleDims = blockSize > 0 ? dims.Select((dim, i) => i == at ? blocks : dim).ToArray() : axis is null ? [] : [length];
        int groupCount = (int)scaleDims.Aggregate(1L, (product, dim) => product * dim);
        int Group(int i)
        {
            long index = i / inner % length;
            return blockSize > 0 ? (int)((((i / inner / length * blocks) + (index / blockSize)) * inner) + (i % inner)) : (int)index;
        }

        // Each group's range includes 0, so that 0 has an exact code.
        var min = new float[groupCount];
        var max = new float[groupCount];
        for (int i = 0; i < values.Length; i++)
        {
            min[Group(i)] = Math.Min(min[Group(i)], values[i]);
            max[Group(i)] = Math.Max(max[Group(i)], values[i]);
        }

        float[] scales = float8
            ? min.Zip(max, (lo, hi) => hi > lo ? Math.Max(-lo, hi) / high : 1f).ToArray()
            : min.Zip(max, (lo, hi) => hi > lo ? (hi - lo) / (high - low) : 1f).ToArray();
        float[] zeroPoints = float8 ? new float[groupCount] : min.Zip(scales, (lo, step) => Math.Clamp(MathF.Round(low - (lo / step)), low, high)).ToArray();

        float[] quantized = values.Select((v, i) => float8
            ? Float8Codes.Round(codes, v / scales[Group(i)])
            : Math.Clamp(MathF.Round(v / scales[Group(i)]) + zeroPoints[Group(i)], low, high)).ToArray();
        string q = name + "_quantized", scale = name + "_scale", zeroPoint = name + "_zero_point";
        Initializer(q, dims, codes, quantized).Initializer(scale, scaleDims, TensorDType.F32, scales).Initializer(zeroPoint, scaleDims, codes, zeroPoints);
        return op switch
        {
            QuantizedOperator.DequantizeLinear => Node("DequantizeLinear", [q, scale, zeroPoint], [name], axis, blockSize > 0 ? blockSize : null),
            QuantizedOperator.QLinearConv or QuantizedOperator.QLinearMatMul =>
                Node(op.ToString(), [name + "_x", name + "_x_scale", name + "_x_zero_point", q, scale, zeroPoint, name + "_y_scale", name + "_y_zero_point"], [name + "_y"]),
            _ => Node("DynamicQuantizeLinear", [name + "_x"], [name + "_x_quantized", name + "_x_scale", name + "_x_zero_point"])
                .Node("Mul", [name + "_x_scale", scale], [name + "_scales"])
                .Node(op.ToString(), [name + "_x_quantized", q, name + "_x_zero_point", zeroPoint], [name + "_integer"])
                .Node("Cast", [name + "_integer"], [name + "_cast"])
                .Node("Mul", [name + "_cast", name + "_scales"], [name + "_y"]),
        };
    }

    /// <summary>A graph node (NodeProto) with optional integer <c>axis</c> and <c>block_size</c> attributes.</summary>
    public OnnxWriter Node(string opType, string[] inputs, string[] outputs, long? axis = null, long? blockSize = null)
    {
        var node = new Proto();
        foreach (string input in inputs)
        {
            node.String(1, input);
        }

        foreach (string output in outputs)
        {
            node.String(2, output);
        }

        node.String(4, opType);
        foreach ((string attribute, long? given) in new[] { ("axis", axis), ("block_size", blockSize) })
        {
            if (given is long value)
            {
                // AttributeProto: name (1), i (3), type (20) = INT (2).
                node.Message(5, new Proto().String(1, attribute).Varint(3, (ulong)value).Varint(20, 2));
            }
        }

        _nodes.Add(node.ToArray());
        return this;
    }

    /// <summary>An initializer given as hand-built TensorProto bytes.</summary>
    public OnnxWriter RawInitializer(byte[] tensorProto)
    {
        _initializers.Add(tensorProto);
        return this;
    }

    public byte[] ToArray()
    {
        var graph = new Proto();
        foreach (byte[] node in _nodes)
        {
            graph.Bytes(1, node);
        }

        graph.String(2, "main_graph");
        foreach (byte[] initializer in _initializers)
        {
            graph.Bytes(5, initializer);
        }

        var model = new Proto().Varint(1, 8).String(2, ProducerName).String(3, "2.5.0").Message(7, graph);
        foreach ((string key, string value) in _metadata)
        {
            model.Message(14, new Proto().String(1, key).String(2, value));
        }

        return model.ToArray();
    }

    /// <summary>Writes the model and its external data files into <paramref name="directory"/>; returns the model's path.</summary>
    public string Write(string directory, string name = "model.onnx")
    {
        foreach ((string file, MemoryStream data) in ExternalFiles)
        {
            File.WriteAllBytes(Path.Combine(directory, file), data.ToArray());
        }

        string path = Path.Combine(directory, name);
        File.WriteAllBytes(path, ToArray());
        return path;
    }

    public static ulong DataType(TensorDType dtype) => dtype switch
    {
        TensorDType.F32 => 1,
        TensorDType.U8 => 2,
        TensorDType.I8 => 3,
        TensorDType.U16 => 4,
        TensorDType.I16 => 5,
        TensorDType.U4 => 21,
        TensorDType.I4 => 22,
        TensorDType.I32 => 6,
        TensorDType.I64 => 7,
        TensorDType.F16 => 10,
        TensorDType.F64 => 11,
        TensorDType.BF16 => 16,
        TensorDType.F8E4M3 => 17,
        TensorDType.F8E4M3Fnuz => 18,
        TensorDType.F8E5M2 => 19,
        TensorDType.F8E5M2Fnuz => 20,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Not an ONNX test type."),
    };

    // float_data (4, fixed32), int32_data (5, varint; 16- and 8-bit floats as bit patterns), int64_data (7), double_data (10, fixed64).
    private static void Typed(Proto tensor, TensorDType dtype, float[] values, bool packed)
    {
        // int32_data holds one packed byte (two 4-bit values) per entry.
        values = dtype is TensorDType.U4 or TensorDType.I4 ? ElementBytes.PackNibbles(values).Select(b => (float)b).ToArray() : values;
        var payload = new Proto();
        int field = dtype switch
        {
            TensorDType.F32 => 4,
            TensorDType.F64 => 10,
            TensorDType.I64 => 7,
            _ => 5,
        };
        foreach (float value in values)
        {
            switch (dtype)
            {
                case TensorDType.F32:
                    if (packed)
                    {
                        payload.RawFixed32(BitConverter.SingleToUInt32Bits(value));
                    }
                    else
                    {
                        tensor.Fixed32(field, BitConverter.SingleToUInt32Bits(value));
                    }

                    break;
                case TensorDType.F64:
                    if (packed)
                    {
                        payload.RawFixed64(BitConverter.DoubleToUInt64Bits(value));
                    }
                    else
                    {
                        tensor.Fixed64(field, BitConverter.DoubleToUInt64Bits(value));
                    }

                    break;
                default:
                    ulong bits = dtype switch
                    {
                        TensorDType.F16 => BitConverter.HalfToUInt16Bits((Half)value),
                        TensorDType.BF16 => BitConverter.SingleToUInt32Bits(value) >> 16,
                        _ when Float8Codes.Types.Contains(dtype) => Float8Codes.Encode(dtype, value),
                        _ => (ulong)(long)value,
                    };
                    if (packed)
                    {
                        payload.RawVarint(bits);
                    }
                    else
                    {
                        tensor.Varint(field, bits);
                    }

                    break;
            }
        }

        if (packed)
        {
            tensor.Bytes(field, payload.ToArray());
        }
    }

    /// <summary>Protobuf wire-format encoding of one message.</summary>
    public sealed class Proto
    {
        private readonly MemoryStream _stream = new();

        public Proto Varint(int field, ulong value) => Tag(field, 0).RawVarint(value);

        public Proto Fixed32(int field, uint value) => Tag(field, 5).RawFixed32(value);

        public Proto Fixed64(int field, ulong value) => Tag(field, 1).RawFixed64(value);

        public Proto String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

        public Proto Message(int field, Proto message) => Bytes(field, message.ToArray());

        public Proto Bytes(int field, byte[] bytes) => Tag(field, 2).RawVarint((ulong)bytes.Length).Raw(bytes);

        public Proto Tag(int field, int wireType) => RawVarint(((ulong)field << 3) | (uint)wireType);

        public Proto RawVarint(ulong value)
        {
            while (value >= 0x80)
            {
                _stream.WriteByte((byte)(value | 0x80));
                value >>= 7;
            }

            _stream.WriteByte((byte)value);
            return this;
        }

        public Proto RawFixed32(uint value)
        {
            Span<byte> bytes = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
            return Raw(bytes);
        }

        public Proto RawFixed64(ulong value)
        {
            Span<byte> bytes = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
            return Raw(bytes);
        }

        public Proto Raw(ReadOnlySpan<byte> bytes)
        {
            _stream.Write(bytes);
            return this;
        }

        public byte[] ToArray() => _stream.ToArray();
    }
}
