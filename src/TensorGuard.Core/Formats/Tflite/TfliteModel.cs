namespace TensorGuard.Core.Formats.Tflite;

/// <summary>
/// A TensorFlow Lite model (<c>.tflite</c>, FlatBuffers with file identifier <c>TFL3</c>) read as a tensor source:
/// every tensor of every subgraph that has data in a buffer (tensorflow/lite/schema/schema.fbs). Float32, float16 and
/// bfloat16 buffers are read as stored; integer buffers with quantization scales (per tensor or per index of
/// <c>quantized_dimension</c>) are dequantized, <c>(code − zero_point) · scale</c>, 4-bit codes (<c>INT4</c>, packed two
/// to a byte, <see cref="PackedNibbles"/>) too. TFLite stores convolution filters
/// channels-last; the filter of a <c>CONV_2D</c>, <c>DEPTHWISE_CONV_2D</c>, <c>TRANSPOSE_CONV</c>, <c>CONV_3D</c> or
/// <c>CONV_3D_TRANSPOSE</c> is presented as PyTorch stores that layer's weight (<see cref="KernelLayout"/>), with
/// elements permuted on read, so a PyTorch model converted to TFLite compares with its original. A filter produced by
/// a <c>DEQUANTIZE</c> node (float16 weights) is followed to the constant it reads. A buffer read by several tensors
/// is presented once, under the first tensor's name.
/// </summary>
public sealed class TfliteModel : ITensorSource
{
    /// <summary>Format name shown in reports.</summary>
    public const string FormatName = "tflite";

    private const int ModelOperatorCodes = 1, ModelSubgraphs = 2, ModelBuffers = 4;
    private const int SubgraphTensors = 0, SubgraphOperators = 3;
    private const int TensorShape = 0, TensorType = 1, TensorBuffer = 2, TensorName = 3, TensorQuantization = 4, TensorSparsity = 6;
    private const int QuantizationScale = 2, QuantizationZeroPoint = 3, QuantizationDimension = 6;
    private const int OperatorOpcode = 0, OperatorInputs = 1, OperatorOutputs = 2;
    private const int CodeDeprecatedBuiltin = 0, CodeBuiltin = 3;
    private const int BufferData = 0, BufferOffset = 1, BufferSize = 2;
    private const int Dequantize = 6;
    private const int MaxRank = 8, MaxNameBytes = 1024;

    // Stored indices of a permuted filter are worked out this many at a time, on the stack.
    private const int IndexChunk = 512;

    private readonly IByteSource _file;
    private readonly Dictionary<string, Stored> _tensors;

    private TfliteModel(IByteSource file, Dictionary<string, Stored> tensors)
    {
        _file = file;
        _tensors = tensors;
        Tensors = tensors.Values.Select(t => t.Entry).OrderBy(t => t.Name, StringComparer.Ordinal).ToArray();
    }

    /// <summary>The model file's size in bytes.</summary>
    public long Length => _file.Length;

    /// <inheritdoc />
    public IReadOnlyList<TensorEntry> Tensors { get; }

    /// <summary>Whether <paramref name="prefix"/> (at least 8 bytes) carries the TFLite file identifier at bytes 4–7.</summary>
    public static bool HasMagic(ReadOnlySpan<byte> prefix) => prefix.Length >= 8 && prefix[4..8].SequenceEqual("TFL3"u8);

    /// <summary>Smallest file that can hold TFLite's root offset and file identifier.</summary>
    public const long MinFileLength = 8;

    /// <summary>Indexes the constant tensors of <paramref name="file"/>, which the result owns.</summary>
    /// <exception cref="ModelFormatException">The file is unreadable, malformed, or a buffer lies outside it.</exception>
    public static TfliteModel Open(IByteSource file)
    {
        ArgumentNullException.ThrowIfNull(file);
        try
        {
            if (!HasMagic(file.Span(0, 8, "TFLite header")))
            {
                throw FlatTable.Corrupt(file, "has no TFL3 file identifier");
            }

            return new TfliteModel(file, Read(file));
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public void ReadFloat32(TensorEntry tensor, long firstElement, Span<float> destination)
    {
        Stored stored = StoredTensors.Find(_tensors, tensor, _file.Path, firstElement, destination.Length);
        if (!stored.DType.IsConvertible() && stored.DType != TensorDType.I4)
        {
            throw new ModelFormatException(_file.Path, $"unsupported data type {stored.DType.Name()} in tensor \"{UntrustedText.Printable(tensor.Name)}\"");
        }

        if (stored.Kernel is not null)
        {
            ReadPermuted(stored, stored.Kernel, firstElement, destination);
            return;
        }

        ReadStored(stored, firstElement, destination);
        if (stored.Quantization is { } quantization)
        {
            for (int i = 0; i < destination.Length; i++)
            {
                destination[i] = quantization.Dequantize(destination[i], firstElement + i);
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _file.Dispose();

    // Stored elements from firstElement on, as float32 codes or values (before any scale).
    private void ReadStored(Stored stored, long firstElement, Span<float> destination)
    {
        if (stored.DType == TensorDType.I4)
        {
            PackedNibbles.Read(_file, stored.Offset, stored.DType, firstElement, destination);
        }
        else
        {
            _file.ConvertFloat32(stored.DType, stored.Offset + (firstElement * (stored.DType.BitSize() / 8)), destination);
        }
    }

    // A permuted filter's elements, each taken from one span over the stored range this block reads. A span per element
    // would count a mapped region per element against the mapping's page budget (MappedPages), which then releases the
    // mapping every few hundred elements.
    private void ReadPermuted(Stored stored, PermutedKernel kernel, long firstElement, Span<float> destination)
    {
        Span<long> indices = stackalloc long[IndexChunk];
        long low = long.MaxValue, high = -1;
        for (int done = 0; done < destination.Length; done += IndexChunk)
        {
            Span<long> chunk = indices[..Math.Min(IndexChunk, destination.Length - done)];
            kernel.StoredIndices(firstElement + done, chunk);
            foreach (long element in chunk)
            {
                low = Math.Min(low, element);
                high = Math.Max(high, element);
            }
        }

        if (high < 0)
        {
            return;
        }

        // Each chunk's elements are gathered into consecutive bytes and converted at once (4-bit codes one by one).
        int bits = stored.DType.BitSize(), size = bits / 8;
        long firstByte = low * bits / 8;
        ReadOnlySpan<byte> bytes = _file.Span(stored.Offset + firstByte, (high * bits / 8) + Math.Max(size, 1) - firstByte, "tensor data");
        Span<byte> gathered = stackalloc byte[IndexChunk * sizeof(long)];
        for (int done = 0; done < destination.Length; done += IndexChunk)
        {
            Span<long> chunk = indices[..Math.Min(IndexChunk, destination.Length - done)];
            Span<float> values = destination.Slice(done, chunk.Length);
            kernel.StoredIndices(firstElement + done, chunk);
            for (int i = 0; i < chunk.Length; i++)
            {
                int at = (int)((chunk[i] * bits / 8) - firstByte);
                if (stored.DType == TensorDType.I4)
                {
                    values[i] = PackedNibbles.Value(stored.DType, bytes[at], chunk[i]);
                }
                else
                {
                    bytes.Slice(at, size).CopyTo(gathered.Slice(i * size, size));
                }
            }

            if (stored.DType != TensorDType.I4)
            {
                Float32Converter.Convert(stored.DType, gathered[..(chunk.Length * size)], values);
            }

            if (stored.Quantization is { } quantization)
            {
                for (int i = 0; i < chunk.Length; i++)
                {
                    values[i] = quantization.Dequantize(values[i], chunk[i]);
                }
            }
        }
    }

    private static Dictionary<string, Stored> Read(IByteSource file)
    {
        FlatTable model = FlatTable.Root(file, "Model");
        int[] codes = OperatorCodes(file, model);
        (long bufferCount, long buffers) = model.Vector(ModelBuffers, 4, "Model.buffers");
        (long subgraphCount, long subgraphs) = model.Vector(ModelSubgraphs, 4, "Model.subgraphs");
        var found = new List<(FlatTable Tensor, long Subgraph, long Index, long Offset, long Length, KernelLayout? Kernel)>();
        var usedBuffers = new HashSet<uint>();
        for (long s = 0; s < subgraphCount; s++)
        {
            FlatTable subgraph = FlatTable.Element(file, subgraphs, s, "SubGraph");
            Dictionary<long, KernelLayout> kernels = Kernels(file, subgraph, codes);
            (long tensorCount, long tensorStart) = subgraph.Vector(SubgraphTensors, 4, "SubGraph.tensors");
            for (long t = 0; t < tensorCount; t++)
            {
                FlatTable tensor = FlatTable.Element(file, tensorStart, t, "Tensor");
                uint buffer = tensor.UInt32(TensorBuffer);
                if (buffer >= bufferCount && buffer != 0)
                {
                    throw FlatTable.Corrupt(file, $"tensor {t} of subgraph {s} names buffer {buffer} of {bufferCount}");
                }

                if (buffer != 0 && usedBuffers.Add(buffer)
                    && ReadBuffer(file, FlatTable.Element(file, buffers, buffer, "Buffer"), buffer) is (long offset, long length and > 0))
                {
                    found.Add((tensor, s, t, offset, length, kernels.GetValueOrDefault(t)));
                }
            }
        }

        // Checked before any tensor is described, so that what is allocated per tensor is bounded by distinct stored bytes.
        CheckDistinct(file, found.Select(f => (f.Offset, f.Length)));
        var tensors = new Dictionary<string, Stored>(StringComparer.Ordinal);
        foreach ((FlatTable tensor, long s, long t, long offset, long length, KernelLayout? kernel) in found)
        {
            string name = UniqueName(file, tensors, tensor.String(TensorName, MaxNameBytes, "Tensor.name") ?? string.Empty, s, t);
            if (Describe(file, tensor, name, offset, length, kernel) is { } stored)
            {
                tensors[name] = stored;
            }
        }

        return tensors;
    }

    private static int[] OperatorCodes(IByteSource file, FlatTable model)
    {
        (long count, long start) = model.Vector(ModelOperatorCodes, 4, "Model.operator_codes");
        var codes = new int[count];
        for (long i = 0; i < count; i++)
        {
            // Codes past 127 live in builtin_code; older files only have the deprecated byte.
            FlatTable code = FlatTable.Element(file, start, i, "OperatorCode");
            codes[i] = Math.Max((sbyte)code.Byte(CodeDeprecatedBuiltin), code.Int32(CodeBuiltin));
        }

        return codes;
    }

    /// <summary>The convolution filters of a subgraph, by tensor index: the filter input of each convolution operator (<see cref="KernelLayout.Of"/>), through one DEQUANTIZE.</summary>
    private static Dictionary<long, KernelLayout> Kernels(IByteSource file, FlatTable subgraph, int[] codes)
    {
        (long count, long start) = subgraph.Vector(SubgraphOperators, 4, "SubGraph.operators");
        var filters = new Dictionary<long, KernelLayout>();
        var dequantized = new Dictionary<long, long>();
        for (long i = 0; i < count; i++)
        {
            FlatTable op = FlatTable.Element(file, start, i, "Operator");
            uint index = op.UInt32(OperatorOpcode);
            int code = index < codes.Length ? codes[index] : throw FlatTable.Corrupt(file, $"operator {i} names operator code {index} of {codes.Length}");
            (long inputs, long inputStart) = op.Vector(OperatorInputs, 4, "Operator.inputs");
            (long outputs, long outputStart) = op.Vector(OperatorOutputs, 4, "Operator.outputs");
            if (KernelLayout.Of(code) is { } layout && inputs >= 2)
            {
                filters.TryAdd(ReadIndex(file, inputStart + 4), layout);
            }
            else if (code == Dequantize && inputs >= 1 && outputs >= 1)
            {
                dequantized.TryAdd(ReadIndex(file, outputStart), ReadIndex(file, inputStart));
            }
        }

        var kernels = new Dictionary<long, KernelLayout>();
        foreach ((long filter, KernelLayout layout) in filters)
        {
            kernels.TryAdd(dequantized.GetValueOrDefault(filter, filter), layout);
        }

        return kernels;
    }

    private static long ReadIndex(IByteSource file, long at) => System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(file.Span(at, 4, "operator tensor index"));

    private static (long Offset, long Length) ReadBuffer(IByteSource file, FlatTable buffer, uint index)
    {
        (long count, long start) = buffer.Vector(BufferData, 1, "Buffer.data");
        if (count > 0)
        {
            return (start, count);
        }

        // Models over 2 GB keep data after the FlatBuffer: offset (from the file's start) and size; 0 and 1 mean none.
        // Both are unsigned in the schema: read as signed, a value past 2^63 is negative and so outside the file.
        long offset = buffer.Int64(BufferOffset), size = buffer.Int64(BufferSize);
        if (offset is 0 or 1)
        {
            return (0, 0);
        }

        return file.Contains(offset, size)
            ? (offset, size)
            : throw FlatTable.Corrupt(file, $"buffer {index} holds {size} bytes at offset {offset}, outside the {file.Length}-byte file");
    }

    private static Stored? Describe(IByteSource file, FlatTable tensor, string name, long offset, long length, KernelLayout? kernel)
    {
        string quoted = $"tensor \"{UntrustedText.Printable(name)}\"";
        TensorDType? type = DType(tensor.Byte(TensorType));
        if (type is not TensorDType dtype)
        {
            return null;
        }

        if (tensor.Has(TensorSparsity))
        {
            throw new ModelFormatException(file.Path, $"{quoted} is stored sparse, which TensorGuard does not read; convert the model without sparsity");
        }

        (long rank, long shapeStart) = tensor.Vector(TensorShape, 4, "Tensor.shape");
        if (rank > MaxRank)
        {
            throw new ModelFormatException(file.Path, $"{quoted} has {rank} dimensions, more than the {MaxRank} TFLite kernels use; the file is corrupt");
        }

        var shape = new long[rank];
        long elements = 1;
        for (int d = 0; d < rank; d++)
        {
            shape[d] = ReadIndex(file, shapeStart + (4 * d));
            if (shape[d] < 0 || !SizeArithmetic.TryMultiply(elements, shape[d], out elements))
            {
                throw new ModelFormatException(file.Path, $"{quoted} has invalid dimensions [{string.Join(", ", shape.Take(d + 1))}]; the file is corrupt");
            }
        }

        long expected;
        if (dtype == TensorDType.I4)
        {
            expected = PackedNibbles.Bytes(elements);
        }
        else if (!SizeArithmetic.TryMultiply(elements, dtype.BitSize() / 8, out expected))
        {
            throw new ModelFormatException(file.Path, $"{quoted} of shape [{string.Join(", ", shape)}] has a byte size that overflows 64-bit arithmetic; the file is corrupt");
        }

        if (expected != length)
        {
            throw new ModelFormatException(file.Path, $"{quoted} of shape [{string.Join(", ", shape)}] needs {expected} bytes of {dtype.Name()} but its buffer holds {length}; the file is corrupt");
        }

        Quantization? quantization = ReadQuantization(file, tensor, quoted, shape, dtype);
        // A permuted filter is read through spans over its bytes, which a mapping gives up to 2 GiB; no real filter is larger.
        PermutedKernel? permuted = length <= int.MaxValue ? kernel?.Fit(shape) : null;
        long[] presented = permuted?.PresentedShape ?? shape;
        TensorDType shown = quantization is null ? dtype : TensorDType.F32;
        return new Stored(new TensorEntry(name, shown, presented, file.Path), dtype, offset, permuted, quantization);
    }

    private static Quantization? ReadQuantization(IByteSource file, FlatTable tensor, string quoted, long[] shape, TensorDType dtype)
    {
        if (dtype is not (TensorDType.I4 or TensorDType.I8 or TensorDType.U8 or TensorDType.I16 or TensorDType.I32) || tensor.Table(TensorQuantization, "QuantizationParameters") is not { } parameters)
        {
            return null;
        }

        (long count, long start) = parameters.Vector(QuantizationScale, 4, "QuantizationParameters.scale");
        if (count == 0)
        {
            return null;
        }

        (long zeroCount, long zeroStart) = parameters.Vector(QuantizationZeroPoint, 8, "QuantizationParameters.zero_point");
        int dimension = parameters.Int32(QuantizationDimension);
        long stride = 1;
        if (count > 1)
        {
            if (dimension < 0 || dimension >= shape.Length || shape[dimension] != count)
            {
                throw new ModelFormatException(file.Path, $"{quoted} has {count} scales, which match neither one per tensor nor one per index of quantized_dimension {dimension} of its shape [{string.Join(", ", shape)}]; the file is corrupt");
            }

            stride = shape.Skip(dimension + 1).Aggregate(1L, (product, dim) => product * dim);
        }

        if (zeroCount != 0 && zeroCount != count)
        {
            throw new ModelFormatException(file.Path, $"{quoted} has {zeroCount} zero points for {count} scales; the file is corrupt");
        }

        var scales = new float[count];
        var zeroPoints = new float[count];
        for (int i = 0; i < count; i++)
        {
            scales[i] = System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(file.Span(start + (4 * i), 4, "scale"));
            zeroPoints[i] = zeroCount == 0 ? 0 : System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(file.Span(zeroStart + (8 * i), 8, "zero point"));
        }

        return scales.All(float.IsFinite)
            ? new Quantization(scales, zeroPoints, Math.Max(stride, 1))
            : throw new ModelFormatException(file.Path, $"{quoted} has a non-finite scale; the file is corrupt");
    }

    // TensorType (schema.fbs); strings, resources and variants hold no weights.
    private static TensorDType? DType(byte type) => type switch
    {
        0 => TensorDType.F32,
        1 => TensorDType.F16,
        2 => TensorDType.I32,
        3 => TensorDType.U8,
        4 => TensorDType.I64,
        6 => TensorDType.Bool,
        7 => TensorDType.I16,
        8 => TensorDType.C64,
        9 => TensorDType.I8,
        10 => TensorDType.F64,
        12 => TensorDType.U64,
        15 => TensorDType.U32,
        16 => TensorDType.U16,
        17 => TensorDType.I4,
        18 => TensorDType.BF16,
        _ => null,
    };

    // TFLite does not require unique names; a repeated or empty one gets its subgraph and index.
    private static string UniqueName(IByteSource file, Dictionary<string, Stored> tensors, string name, long subgraph, long index)
    {
        string unique = name.Length > 0 && !tensors.ContainsKey(name) ? name : $"{name}#{subgraph}.{index}";
        return tensors.ContainsKey(unique) ? throw FlatTable.Corrupt(file, $"names two tensors \"{UntrustedText.Printable(unique)}\"") : unique;
    }

    // Buffers whose bytes overlap would make every later stage read those bytes once per tensor.
    private static void CheckDistinct(IByteSource file, IEnumerable<(long Offset, long Length)> ranges)
    {
        long end = -1;
        foreach ((long offset, long length) in ranges.OrderBy(r => r.Offset))
        {
            if (offset < end)
            {
                throw FlatTable.Corrupt(file, $"has buffers whose data overlap at offset {offset}; every buffer must have its own data");
            }

            end = offset + length;
        }
    }

    private sealed record Stored(TensorEntry Entry, TensorDType DType, long Offset, PermutedKernel? Kernel, Quantization? Quantization);

    private sealed record Quantization(float[] Scales, float[] ZeroPoints, long Stride)
    {
        /// <summary>The value of <paramref name="code"/>, stored as element <paramref name="element"/> of its tensor.</summary>
        public float Dequantize(float code, long element)
        {
            int channel = (int)(element / Stride % Scales.Length);
            return (code - ZeroPoints[channel]) * Scales[channel];
        }
    }
}
