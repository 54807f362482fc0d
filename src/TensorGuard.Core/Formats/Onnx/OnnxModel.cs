using System.Buffers.Binary;
using System.Globalization;

namespace TensorGuard.Core.Formats.Onnx;

/// <summary>
/// An ONNX model's initializers (the graph's weights) read as a tensor source, from the ModelProto protobuf
/// without a schema: raw data, typed data fields, and external data files in the model's folder. Names are
/// kept as exported (often anonymous, e.g. <c>onnx::MatMul_788</c>) and MatMul weights stay as stored
/// (in × out); lineage methods that compare tensors by content handle both. Weights stored as codes for
/// <c>DequantizeLinear</c>, <c>QLinearConv</c>, <c>QLinearMatMul</c>, <c>ConvInteger</c> or <c>MatMulInteger</c> (8-, 16- or
/// 4-bit integers, or 8-bit floats) are presented dequantized under their original name (<see cref="QuantizedUse"/>,
/// <see cref="QuantizedInitializer"/>).
/// </summary>
public sealed class OnnxModel : ITensorSource
{
    /// <summary>Format name shown in reports.</summary>
    public const string FormatName = "onnx";

    private const int ModelGraph = 7, ModelIrVersion = 1, ModelProducerName = 2, ModelProducerVersion = 3, ModelMetadataProps = 14;
    private const int GraphNode = 1, GraphName = 2, GraphInitializer = 5;
    private const int NodeInput = 1, NodeOutput = 2, NodeOpType = 4, NodeAttribute = 5, AttributeName = 1, AttributeInt = 3;
    private const int TensorDims = 1, TensorDataType = 2, TensorSegment = 3, TensorFloatData = 4, TensorInt32Data = 5,
        TensorInt64Data = 7, TensorName = 8, TensorRawData = 9, TensorDoubleData = 10, TensorUInt64Data = 11,
        TensorExternalData = 13, TensorDataLocation = 14;

    /// <summary>Shortest file read as a model.</summary>
    public const long MinFileLength = 2;

    private const int StringType = 8;
    private const long MaxTypedElements = 1L << 28;

    private readonly IByteSource _file;
    private readonly Dictionary<string, IByteSource> _externalFiles;
    private readonly Dictionary<string, Initializer> _initializers;
    private readonly Dictionary<string, QuantizedInitializer> _quantized = new(StringComparer.Ordinal);
    private (string Name, float[] Values)? _decoded;

    private OnnxModel(IByteSource file, Dictionary<string, IByteSource> externalFiles, Dictionary<string, Initializer> initializers, IReadOnlyDictionary<string, string> metadata, IReadOnlyList<OperatorNode> nodes)
    {
        _file = file;
        _externalFiles = externalFiles;
        _initializers = initializers;
        Metadata = metadata;
        var stored = initializers.Values.ToDictionary(t => t.Name, t => new TensorEntry(t.Name, t.DType, t.Shape, t.File.Path), StringComparer.Ordinal);
        var consumed = new HashSet<string>(StringComparer.Ordinal);
        var presented = new List<TensorEntry>();
        bool IsFloatInitializer(string name) => stored.TryGetValue(name, out TensorEntry? entry) && entry.DType.IsFloatingPoint();

        // A scale or zero point shared by many weights is read once, so memory follows the bytes stored.
        var read = new Dictionary<string, float[]>(StringComparer.Ordinal);
        float[] ReadOnce(TensorEntry tensor) => read.TryGetValue(tensor.Name, out float[]? values) ? values : read[tensor.Name] = ReadAll(tensor);
        foreach (QuantizedUse use in QuantizedUse.In(nodes, IsFloatInitializer))
        {
            if (consumed.Contains(use.Codes) || QuantizedInitializer.Of(file.Path, use, stored, ReadOnce) is not { } quantized)
            {
                continue;
            }

            // The original name is used unless another initializer already has it.
            QuantizedInitializer named = stored.ContainsKey(quantized.Name) || _quantized.ContainsKey(quantized.Name) ? quantized with { Name = quantized.Codes } : quantized;
            _quantized.Add(named.Name, named);
            consumed.UnionWith(new[] { use.Codes, use.Scale, use.ZeroPoint ?? string.Empty });
            TensorEntry codes = stored[use.Codes];
            presented.Add(new TensorEntry(named.Name, TensorDType.F32, codes.Shape, codes.SourceFile));
        }

        Tensors = stored.Values
            .Where(t => !consumed.Contains(t.Name))
            .Concat(presented)
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .ToArray();
    }

    /// <summary>The model file's path as given.</summary>
    public string Path => _file.Path;

    /// <summary>Every file read: the model, then its external data files.</summary>
    public IReadOnlyList<ModelFile> Files => [_file.Describe(), .. _externalFiles.Values.OrderBy(f => f.Path, StringComparer.Ordinal).Select(f => f.Describe())];

    /// <summary>Producer, IR version, graph name and the model's metadata_props.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <inheritdoc />
    public IReadOnlyList<TensorEntry> Tensors { get; }

    /// <summary>Opens <paramref name="path"/> and indexes its initializers.</summary>
    /// <exception cref="ModelFormatException">The file is missing, unreadable or malformed, or external data escapes its folder.</exception>
    public static OnnxModel Open(string path) => Open(MappedFile.Open(path, MinFileLength, "ONNX"), new LocalModelFolder(path));

    /// <summary>
    /// Indexes the initializers of the model in <paramref name="file"/> (which the result owns), finding external data
    /// in <paramref name="folder"/>.
    /// </summary>
    /// <exception cref="ModelFormatException">The model is malformed or unreadable, or external data escapes its folder.</exception>
    public static OnnxModel Open(IByteSource file, IModelFolder folder)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(folder);
        string path = file.Path;
        var externalFiles = new Dictionary<string, IByteSource>(StringComparer.Ordinal);
        try
        {
            var metadata = new SortedDictionary<string, string>(StringComparer.Ordinal);
            var initializers = new Dictionary<string, Initializer>(StringComparer.Ordinal);
            var nodes = new List<OperatorNode>();
            var model = new ProtoReader(file, 0, file.Length, "ModelProto");
            bool hasGraph = false;
            while (model.TryReadTag(out int field, out int wire))
            {
                switch (field)
                {
                    case ModelIrVersion when wire == ProtoReader.Varint:
                        metadata["onnx.ir_version"] = model.ReadVarint().ToString(CultureInfo.InvariantCulture);
                        break;
                    case ModelProducerName when wire == ProtoReader.LengthDelimited:
                        metadata["onnx.producer_name"] = model.ReadString("producer_name");
                        break;
                    case ModelProducerVersion when wire == ProtoReader.LengthDelimited:
                        metadata["onnx.producer_version"] = model.ReadString("producer_version");
                        break;
                    case ModelMetadataProps when wire == ProtoReader.LengthDelimited:
                        (string key, string value) = ReadEntry(model.ReadMessage("metadata_props"));
                        metadata[key] = value;
                        break;
                    case ModelGraph when wire == ProtoReader.LengthDelimited:
                        hasGraph = true;
                        ReadGraph(model.ReadMessage("GraphProto"), metadata, initializers, new ExternalFiles(folder, externalFiles), nodes);
                        break;
                    default:
                        model.Skip(wire);
                        break;
                }
            }

            if (!hasGraph)
            {
                throw new ModelFormatException(path, "has no graph; it is not an ONNX model (or not a ModelProto)");
            }

            CheckDistinctData(path, initializers.Values);
            return new OnnxModel(file, externalFiles, initializers, metadata, nodes);
        }
        catch
        {
            file.Dispose();
            foreach (IByteSource external in externalFiles.Values)
            {
                external.Dispose();
            }

            throw;
        }
    }

    /// <inheritdoc />
    public void ReadFloat32(TensorEntry tensor, long firstElement, Span<float> destination)
    {
        MappedFile.CheckRange(tensor, firstElement, destination.Length);
        if (_quantized.TryGetValue(tensor.Name, out QuantizedInitializer? quantized))
        {
            ReadStored(_initializers[quantized.Codes], firstElement, destination);
            quantized.Apply(firstElement, destination);
            return;
        }

        if (!_initializers.TryGetValue(tensor.Name, out Initializer? initializer))
        {
            throw new ArgumentException($"Tensor {tensor.Name} is not in {Path}.", nameof(tensor));
        }

        if (!initializer.DType.IsConvertible())
        {
            throw new ModelFormatException(Path, $"unsupported data type {initializer.DType.Name()} in initializer \"{UntrustedText.Printable(initializer.Name)}\"; export the model with float weights");
        }

        ReadStored(initializer, firstElement, destination);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _file.Dispose();
        foreach (IByteSource external in _externalFiles.Values)
        {
            external.Dispose();
        }
    }

    // Values as stored, converted to float32: 4-bit codes too, which only a quantized weight's reader asks for.
    private void ReadStored(Initializer initializer, long firstElement, Span<float> destination)
    {
        if (initializer.Raw is (long offset, _) && initializer.DType is TensorDType.I4 or TensorDType.U4)
        {
            PackedNibbles.Read(initializer.File, offset, initializer.DType, firstElement, destination);
            return;
        }

        if (initializer.Raw is (long rawOffset, _))
        {
            initializer.File.ConvertFloat32(initializer.DType, rawOffset + (firstElement * (initializer.DType.BitSize() / 8)), destination);
            return;
        }

        // Typed fields hold varints or need widening, so the tensor is decoded once and kept while it is read.
        if (_decoded?.Name != initializer.Name)
        {
            _decoded = (initializer.Name, DecodeTyped(initializer));
        }

        _decoded.Value.Values.AsSpan((int)firstElement, destination.Length).CopyTo(destination);
    }

    private static void ReadGraph(ProtoReader graph, IDictionary<string, string> metadata, Dictionary<string, Initializer> initializers, ExternalFiles externalFiles, List<OperatorNode> nodes)
    {
        while (graph.TryReadTag(out int field, out int wire))
        {
            if (field == GraphNode && wire == ProtoReader.LengthDelimited)
            {
                nodes.Add(ReadNode(graph.ReadMessage("NodeProto")));
            }
            else if (field == GraphName && wire == ProtoReader.LengthDelimited)
            {
                metadata["onnx.graph_name"] = graph.ReadString("graph name");
            }
            else if (field == GraphInitializer && wire == ProtoReader.LengthDelimited)
            {
                Initializer? initializer = ReadTensor(graph.ReadMessage("TensorProto"), initializers.Count, externalFiles);
                if (initializer is not null && !initializers.TryAdd(initializer.Name, initializer))
                {
                    throw new ModelFormatException(graph.File.Path, $"initializer \"{UntrustedText.Printable(initializer.Name)}\" is defined twice");
                }
            }
            else
            {
                graph.Skip(wire);
            }
        }
    }

    /// <summary>The node's operator, first <see cref="OperatorNode.MaxInputs"/> inputs, first output and integer <c>axis</c> and <c>block_size</c>.</summary>
    private static OperatorNode ReadNode(ProtoReader node)
    {
        var inputs = new List<string>();
        string opType = string.Empty, output = string.Empty;
        bool hasOutput = false;
        long? axis = null, blockSize = null;
        while (node.TryReadTag(out int field, out int wire))
        {
            if (field == NodeInput && wire == ProtoReader.LengthDelimited && inputs.Count < OperatorNode.MaxInputs)
            {
                inputs.Add(node.ReadString("node input"));
            }
            else if (field == NodeOutput && wire == ProtoReader.LengthDelimited && !hasOutput)
            {
                output = node.ReadString("node output");
                hasOutput = true;
            }
            else if (field == NodeOpType && wire == ProtoReader.LengthDelimited)
            {
                opType = node.ReadString("op_type");
            }
            else if (field == NodeAttribute && wire == ProtoReader.LengthDelimited)
            {
                switch (ReadIntAttribute(node.ReadMessage("AttributeProto")))
                {
                    case ("axis", long value):
                        axis = value;
                        break;
                    case ("block_size", long value):
                        blockSize = value;
                        break;
                }
            }
            else
            {
                node.Skip(wire);
            }
        }

        return new OperatorNode(opType, inputs, output, axis, blockSize);
    }

    private static (string Name, long? Value) ReadIntAttribute(ProtoReader attribute)
    {
        string name = string.Empty;
        long? value = null;
        while (attribute.TryReadTag(out int field, out int wire))
        {
            if (field == AttributeName && wire == ProtoReader.LengthDelimited)
            {
                name = attribute.ReadString("attribute name");
            }
            else if (field == AttributeInt && wire == ProtoReader.Varint)
            {
                value = (long)attribute.ReadVarint();
            }
            else
            {
                attribute.Skip(wire);
            }
        }

        return (name, value);
    }

    private float[] ReadAll(TensorEntry tensor)
    {
        var values = new float[tensor.ElementCount];
        ReadStored(_initializers[tensor.Name], 0, values);
        return values;
    }

    private static Initializer? ReadTensor(ProtoReader tensor, int index, ExternalFiles externalFiles)
    {
        string path = tensor.File.Path;
        var dims = new List<long>();
        var typed = new List<(int Field, int Wire, long Offset, long Length)>();
        var external = new Dictionary<string, string>(StringComparer.Ordinal);
        string? name = null;
        long dataType = 0;
        long location = 0;
        (long Offset, long Length)? raw = null;
        while (tensor.TryReadTag(out int field, out int wire))
        {
            switch (field)
            {
                case TensorDims when wire == ProtoReader.Varint:
                    dims.Add((long)tensor.ReadVarint());
                    break;
                case TensorDims when wire == ProtoReader.LengthDelimited:
                    (long offset, long length) = tensor.ReadRange();
                    var packed = new ProtoReader(tensor.File, offset, offset + length, "TensorProto dims");
                    while (dims.Count <= 64 && !packed.AtEnd)
                    {
                        dims.Add((long)packed.ReadVarint());
                    }

                    break;
                case TensorDataType:
                    tensor.Expect(field, wire, ProtoReader.Varint, "data_type");
                    dataType = (long)tensor.ReadVarint();
                    break;
                case TensorSegment:
                    throw new ModelFormatException(path, $"initializer {index} is segmented, which ONNX exporters do not write; re-export the model");
                case TensorName:
                    tensor.Expect(field, wire, ProtoReader.LengthDelimited, "name");
                    name = tensor.ReadString("initializer name");
                    break;
                case TensorRawData:
                    tensor.Expect(field, wire, ProtoReader.LengthDelimited, "raw_data");
                    raw = tensor.ReadRange();
                    break;
                case TensorFloatData or TensorInt32Data or TensorInt64Data or TensorDoubleData or TensorUInt64Data:
                    typed.Add(ReadTypedField(tensor, field, wire));
                    break;
                case TensorExternalData:
                    tensor.Expect(field, wire, ProtoReader.LengthDelimited, "external_data");
                    (string key, string value) = ReadEntry(tensor.ReadMessage("external_data"));
                    external[key] = value;
                    break;
                case TensorDataLocation:
                    tensor.Expect(field, wire, ProtoReader.Varint, "data_location");
                    location = (long)tensor.ReadVarint();
                    break;
                default:
                    tensor.Skip(wire);
                    break;
            }
        }

        name ??= $"<unnamed initializer {index}>";
        string quoted = $"initializer \"{UntrustedText.Printable(name)}\"";
        if (dataType == StringType)
        {
            return null;
        }

        TensorDType dtype = OnnxDTypes.FromOnnx(dataType)
            ?? throw new ModelFormatException(path, $"unsupported data type {OnnxDTypes.Name(dataType)} in {quoted}; TensorGuard reads float, integer and 8-bit float initializers");
        if (dims.Count > 64 || dims.Any(d => d < 0))
        {
            throw new ModelFormatException(path, $"{quoted} has invalid dimensions; the file is corrupt");
        }

        long elements = 1;
        foreach (long dim in dims)
        {
            elements = dim == 0 || elements <= long.MaxValue / 8 / dim ? elements * dim : throw new ModelFormatException(path, $"{quoted} has dimensions whose element count overflows; the file is corrupt");
        }

        // 4-bit values are packed two to a byte (int32_data holds one packed byte per value).
        long packedValues = dtype.BitSize() == 4 ? PackedNibbles.Bytes(elements) : elements;
        long expectedBytes = dtype.BitSize() == 4 ? packedValues : elements * (dtype.BitSize() / 8);
        var shape = dims.ToArray();
        if (location == 1)
        {
            (IByteSource file, long offset) = OpenExternal(path, quoted, external, expectedBytes, externalFiles);
            return new Initializer(name, dtype, shape, file, (offset, expectedBytes), []);
        }

        if (location != 0)
        {
            throw new ModelFormatException(path, $"{quoted} has unknown data_location {location}");
        }

        if (raw is (long rawOffset, long rawLength))
        {
            if (rawLength != expectedBytes)
            {
                throw new ModelFormatException(path, $"{quoted} of shape [{string.Join(", ", shape)}] needs {expectedBytes} bytes of raw_data but has {rawLength}; the file is corrupt");
            }

            return new Initializer(name, dtype, shape, tensor.File, (rawOffset, rawLength), []);
        }

        int expectedField = OnnxDTypes.TypedField(dtype);
        if (typed.Any(t => t.Field != expectedField))
        {
            throw new ModelFormatException(path, $"{quoted} of type {dtype.Name()} stores values in field {typed.First(t => t.Field != expectedField).Field}, which does not hold that type; the file is corrupt");
        }

        long count = typed.Sum(t => CountValues(tensor, t));
        if (count != packedValues)
        {
            throw new ModelFormatException(path, $"{quoted} of shape [{string.Join(", ", shape)}] needs {packedValues} values but stores {count}; the file is corrupt");
        }

        if (elements > MaxTypedElements)
        {
            throw new ModelFormatException(path, $"{quoted} stores {elements} values in typed fields, over the limit of {MaxTypedElements}; re-export with raw_data");
        }

        return new Initializer(name, dtype, shape, tensor.File, null, typed);
    }

    private static (int Field, int Wire, long Offset, long Length) ReadTypedField(ProtoReader tensor, int field, int wire)
    {
        bool fixedWidth = field is TensorFloatData or TensorDoubleData;
        int elementWire = field == TensorFloatData ? ProtoReader.Fixed32 : field == TensorDoubleData ? ProtoReader.Fixed64 : ProtoReader.Varint;
        if (wire == ProtoReader.LengthDelimited)
        {
            (long offset, long length) = tensor.ReadRange();
            int width = elementWire == ProtoReader.Fixed32 ? 4 : 8;
            if (fixedWidth && length % width != 0)
            {
                throw tensor.Malformed($"has a packed field {field} of {length} bytes, not a multiple of {width}");
            }

            return (field, wire, offset, length);
        }

        tensor.Expect(field, wire, elementWire, "typed data");
        long at = tensor.Position;
        tensor.Skip(wire);
        return (field, wire, at, tensor.Position - at);
    }

    private static long CountValues(ProtoReader tensor, (int Field, int Wire, long Offset, long Length) segment)
    {
        if (segment.Wire != ProtoReader.LengthDelimited)
        {
            return 1;
        }

        if (segment.Field == TensorFloatData)
        {
            return segment.Length / 4;
        }

        if (segment.Field == TensorDoubleData)
        {
            return segment.Length / 8;
        }

        // A varint ends at every byte without the continuation bit.
        ReadOnlySpan<byte> bytes = tensor.File.Span(segment.Offset, segment.Length, "typed data");
        if (bytes.Length > 0 && (bytes[^1] & 0x80) != 0)
        {
            throw tensor.Malformed($"has packed varints that end mid-value at offset {segment.Offset + segment.Length}");
        }

        long ends = 0;
        foreach (byte b in bytes)
        {
            ends += (b & 0x80) == 0 ? 1 : 0;
        }

        return ends;
    }

    private float[] DecodeTyped(Initializer initializer)
    {
        var values = new float[initializer.Shape.Aggregate(1L, (product, dim) => product * dim)];
        int next = 0;
        foreach ((int field, int wire, long offset, long length) in initializer.Typed)
        {
            var reader = new ProtoReader(initializer.File, offset, offset + length, "typed data");
            if (wire == ProtoReader.LengthDelimited)
            {
                while (next < values.Length && !reader.AtEnd)
                {
                    next = DecodeNext(initializer.DType, field, reader, values, next);
                }
            }
            else
            {
                next = DecodeNext(initializer.DType, field, reader, values, next);
            }
        }

        return values;
    }

    // One stored value into values[next]; a packed 4-bit byte fills two (one when it ends the tensor). Returns the next index.
    private static int DecodeNext(TensorDType dtype, int field, ProtoReader reader, float[] values, int next)
    {
        if (dtype is not (TensorDType.I4 or TensorDType.U4))
        {
            values[next] = DecodeOne(dtype, field, reader);
            return next + 1;
        }

        byte packed = (byte)reader.ReadVarint();
        for (int end = Math.Min(next + 2, values.Length); next < end; next++)
        {
            values[next] = PackedNibbles.Value(dtype, packed, next);
        }

        return next;
    }

    private static float DecodeOne(TensorDType dtype, int field, ProtoReader reader)
    {
        switch (field)
        {
            case TensorFloatData:
                return BinaryPrimitives.ReadSingleLittleEndian(reader.ReadFixed(4));
            case TensorDoubleData:
                return (float)BinaryPrimitives.ReadDoubleLittleEndian(reader.ReadFixed(8));
            case TensorInt64Data:
                return (long)reader.ReadVarint();
            case TensorUInt64Data:
                return reader.ReadVarint();
            default:
                // int32_data carries every narrower type; 16- and 8-bit floats as their bit patterns.
                uint bits = (uint)reader.ReadVarint();
                if (dtype is TensorDType.I32 or TensorDType.I16 or TensorDType.I8)
                {
                    return (int)bits;
                }

                Span<byte> bytes = stackalloc byte[4];
                BinaryPrimitives.WriteUInt32LittleEndian(bytes, bits);
                Span<float> one = stackalloc float[1];
                Float32Converter.Convert(dtype, bytes[..(dtype.BitSize() / 8)], one);
                return one[0];
        }
    }

    private static (string Key, string Value) ReadEntry(ProtoReader entry)
    {
        string key = "", value = "";
        while (entry.TryReadTag(out int field, out int wire))
        {
            if (field is 1 or 2 && wire == ProtoReader.LengthDelimited)
            {
                string text = entry.ReadString("string entry");
                (key, value) = field == 1 ? (text, value) : (key, text);
            }
            else
            {
                entry.Skip(wire);
            }
        }

        return (key, value);
    }

    private static (IByteSource File, long Offset) OpenExternal(string path, string quoted, Dictionary<string, string> external, long expectedBytes, ExternalFiles externalFiles)
    {
        if (!external.TryGetValue("location", out string? location) || location.Length == 0)
        {
            throw new ModelFormatException(path, $"{quoted} has external data without a location");
        }

        string resolved = externalFiles.Folder.Resolve(location, quoted);
        long offset = ParseNumber(path, quoted, external, "offset") ?? 0;
        long? length = ParseNumber(path, quoted, external, "length");
        if (length is not null && length != expectedBytes)
        {
            throw new ModelFormatException(path, $"{quoted} declares {length} bytes of external data but its shape needs {expectedBytes}; the model is corrupt");
        }

        if (!externalFiles.Opened.TryGetValue(resolved, out IByteSource? file))
        {
            file = externalFiles.Folder.Open(resolved);
            externalFiles.Opened[resolved] = file;
        }

        if (!file.Contains(offset, expectedBytes))
        {
            throw new ModelFormatException(file.Path, $"{quoted} needs {expectedBytes} bytes at offset {offset} of this {file.Length}-byte external data file; it is truncated");
        }

        return (file, offset);
    }

    private static long? ParseNumber(string path, string quoted, Dictionary<string, string> external, string key)
    {
        if (!external.TryGetValue(key, out string? text))
        {
            return null;
        }

        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value)
            ? value
            : throw new ModelFormatException(path, $"{quoted} has external data {key} \"{UntrustedText.Printable(text)}\", not a non-negative integer");
    }

    // Initializers sharing bytes would make every later stage read (and hash) those bytes once per name, so work
    // would no longer be bounded by the bytes stored; exporters never write shared ranges (tied weights are one initializer).
    private static void CheckDistinctData(string path, IEnumerable<Initializer> initializers)
    {
        foreach (IGrouping<IByteSource, Initializer> stored in initializers.Where(i => i.Raw is { Length: > 0 }).GroupBy(i => i.File))
        {
            Initializer? previous = null;
            foreach (Initializer current in stored.OrderBy(i => i.Raw!.Value.Offset))
            {
                if (previous is not null && current.Raw!.Value.Offset < previous.Raw!.Value.Offset + previous.Raw.Value.Length)
                {
                    throw new ModelFormatException(path, $"initializers \"{UntrustedText.Printable(previous.Name)}\" and \"{UntrustedText.Printable(current.Name)}\" overlap in {UntrustedText.Printable(System.IO.Path.GetFileName(stored.Key.Path))}; every initializer must have its own data, re-export the model");
                }

                previous = current;
            }
        }
    }

    // The external data files opened so far, by the key the folder resolves their names to.
    private sealed record ExternalFiles(IModelFolder Folder, Dictionary<string, IByteSource> Opened);

    private sealed record Initializer(string Name, TensorDType DType, long[] Shape, IByteSource File, (long Offset, long Length)? Raw, IReadOnlyList<(int Field, int Wire, long Offset, long Length)> Typed);
}
