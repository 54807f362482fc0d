using System.Buffers.Binary;
using System.Text;
using TensorGuard.Core.Formats;

namespace TensorGuard.ModelFactory.Formats;

/// <summary>
/// Writes TFLite models for tests with the FlatBuffers encoding by hand (tensorflow/lite/schema/schema.fbs field
/// order): one subgraph whose constant tensors each have a buffer, convolution (2-D, depthwise, transposed, 3-D and
/// 3-D transposed) and fully connected operators reading them, and optional int8 quantization per tensor or per axis. Objects are written parent first, each offset patched
/// once its child is placed after it (FlatBuffers offsets point forward).
/// </summary>
public sealed class TfliteWriter
{
    /// <summary>BuiltinOperator codes used here.</summary>
    public const int Conv2D = 3, DepthwiseConv2D = 4, Dequantize = 6, FullyConnected = 9, TransposeConv = 67, Conv3D = 132, Conv3DTranspose = 141;

    private readonly List<Table> _tensors = [];
    private readonly List<Table> _buffers = [new Table()];
    private readonly List<Table> _operators = [];
    private readonly List<int> _codes = [];

    /// <summary>A constant tensor stored as <paramref name="dtype"/> (F32, F16, I8, I32; I4 as packed bytes); with scales, I8 or I4 codes quantized per tensor or per <paramref name="dimension"/>. Returns its index.</summary>
    public int Tensor(string name, int[] shape, TensorDType dtype, byte[] data, float[]? scales = null, long[]? zeroPoints = null, int dimension = 0)
    {
        _buffers.Add(new Table().Vector(0, data, 1));
        var tensor = new Table()
            .Vector(0, shape.SelectMany(BitConverter.GetBytes).ToArray(), 4)
            .Byte(1, dtype switch { TensorDType.F32 => 0, TensorDType.F16 => 1, TensorDType.I8 => 9, TensorDType.I32 => 2, TensorDType.I4 => 17, _ => throw new ArgumentOutOfRangeException(nameof(dtype)) })
            .UInt32(2, (uint)(_buffers.Count - 1))
            .String(3, name);
        if (scales is not null)
        {
            tensor.Child(4, new Table()
                .Vector(2, scales.SelectMany(BitConverter.GetBytes).ToArray(), 4)
                .Vector(3, (zeroPoints ?? new long[scales.Length]).SelectMany(BitConverter.GetBytes).ToArray(), 8)
                .Int32(6, dimension));
        }

        _tensors.Add(tensor);
        return _tensors.Count - 1;
    }

    /// <summary>A float32 tensor whose buffer gives its data by <paramref name="offset"/> and <paramref name="size"/> in the file (as models over 2 GB do). Returns its index.</summary>
    public int ExternalTensor(string name, int[] shape, ulong offset, ulong size)
    {
        _buffers.Add(new Table().UInt64(1, offset).UInt64(2, size));
        _tensors.Add(new Table().Vector(0, shape.SelectMany(BitConverter.GetBytes).ToArray(), 4).Byte(1, 0).UInt32(2, (uint)(_buffers.Count - 1)).String(3, name));
        return _tensors.Count - 1;
    }

    /// <summary>A tensor without data (an activation). Returns its index.</summary>
    public int Activation(string name, int[] shape)
    {
        _tensors.Add(new Table().Vector(0, shape.SelectMany(BitConverter.GetBytes).ToArray(), 4).String(3, name));
        return _tensors.Count - 1;
    }

    /// <summary>An operator of builtin code <paramref name="code"/>.</summary>
    public TfliteWriter Operator(int code, int[] inputs, int[] outputs)
    {
        if (!_codes.Contains(code))
        {
            _codes.Add(code);
        }

        _operators.Add(new Table()
            .UInt32(0, (uint)_codes.IndexOf(code))
            .Vector(1, inputs.SelectMany(BitConverter.GetBytes).ToArray(), 4)
            .Vector(2, outputs.SelectMany(BitConverter.GetBytes).ToArray(), 4));
        return this;
    }

    /// <summary>How a converter stores a model's weights.</summary>
    public enum Storage
    {
        Float32,
        Float16,
        Int8PerChannel,

        /// <summary>Symmetric 4-bit codes per output channel, packed two to a byte, read through DEQUANTIZE.</summary>
        Int4PerChannel,
    }

    /// <summary>
    /// Writes <paramref name="model"/> as a PyTorch-to-TFLite converter leaves it into <paramref name="directory"/>:
    /// kernels of rank 4 read by CONV_2D and of rank 5 by CONV_3D (with <paramref name="transposed"/>, each kernel is
    /// PyTorch's <c>ConvTranspose</c> weight <c>[in, out, k…]</c>, read by TRANSPOSE_CONV or CONV_3D_TRANSPOSE), stored
    /// in the operator's layout (<see cref="FilterLayout"/>). Matrices are read by FULLY_CONNECTED; int8 and int4 codes are
    /// symmetric per output channel; float16 and int4 weights are read through DEQUANTIZE; vectors are float32. Returns the file's path.
    /// </summary>
    public static string Save(TestModel model, string directory, Storage storage, bool transposed = false)
    {
        var writer = new TfliteWriter();
        foreach (TestTensor tensor in model.Weights)
        {
            float[] values = tensor.Values.ToArray();
            int[] shape = [.. tensor.Shape];
            (int Code, int[] Axes, int OutputAxis)? filter = shape.Length is 4 or 5 ? FilterLayout(shape.Length, transposed) : null;
            if (filter is { } layout)
            {
                values = Permute(values, shape, layout.Axes);
                shape = layout.Axes.Select(axis => shape[axis]).ToArray();
            }

            int stored = (storage, shape.Length) switch
            {
                (_, < 2) or (Storage.Float32, _) => writer.Tensor(tensor.Name, shape, TensorDType.F32, Float32(values)),
                (Storage.Float16, _) => writer.Tensor(tensor.Name, shape, TensorDType.F16, values.SelectMany(v => BitConverter.GetBytes((Half)v)).ToArray()),
                (Storage.Int8PerChannel, _) => writer.PerChannel(tensor.Name, shape, values, filter?.OutputAxis ?? 0, TensorDType.I8),
                _ => writer.PerChannel(tensor.Name, shape, values, filter?.OutputAxis ?? 0, TensorDType.I4),
            };
            if (shape.Length < 2)
            {
                continue;
            }

            int weight = stored;
            if (storage is Storage.Float16 or Storage.Int4PerChannel)
            {
                weight = writer.Activation(tensor.Name + "/dequantized", shape);
                writer.Operator(Dequantize, [stored], [weight]);
            }

            int input = writer.Activation(tensor.Name + "/input", [1]);
            int[] inputs = filter?.Code switch
            {
                TransposeConv or Conv3DTranspose => [writer.Tensor(tensor.Name + "/output_shape", [shape.Length], TensorDType.I32, new byte[4 * shape.Length]), weight, input],
                _ => [input, weight],
            };
            writer.Operator(filter?.Code ?? FullyConnected, inputs, [writer.Activation(tensor.Name + "/output", [1])]);
        }

        return writer.Write(directory);
    }

    /// <summary>
    /// The operator that reads a PyTorch kernel of rank <paramref name="rank"/>, the PyTorch axis each axis of its TFLite
    /// filter holds, and the filter's output-channel axis (tensorflow/lite/kernels: conv.cc, transpose_conv.cc, conv3d.cc,
    /// conv3d_transpose.cc).
    /// </summary>
    public static (int Code, int[] Axes, int OutputAxis) FilterLayout(int rank, bool transposed) => (rank, transposed) switch
    {
        (4, false) => (Conv2D, [0, 2, 3, 1], 0), // [out, in, kh, kw] as [out, kh, kw, in]
        (4, true) => (TransposeConv, [1, 2, 3, 0], 0), // [in, out, kh, kw] as [out, kh, kw, in]
        (5, false) => (Conv3D, [2, 3, 4, 1, 0], 4), // [out, in, kd, kh, kw] as [kd, kh, kw, in, out]
        (5, true) => (Conv3DTranspose, [2, 3, 4, 1, 0], 3), // [in, out, kd, kh, kw] as [kd, kh, kw, out, in]
        _ => throw new ArgumentOutOfRangeException(nameof(rank), rank, "TFLite convolutions have filters of rank 4 or 5."),
    };

    /// <summary>Row-major <paramref name="values"/> of <paramref name="shape"/> with their axes reordered: axis j of the result is axis <c>axes[j]</c>.</summary>
    public static float[] Permute(float[] values, int[] shape, int[] axes)
    {
        int[] strides = new int[shape.Length];
        for (int axis = shape.Length - 1, stride = 1; axis >= 0; stride *= shape[axis], axis--)
        {
            strides[axis] = stride;
        }

        int[] shapeOut = axes.Select(axis => shape[axis]).ToArray();
        var result = new float[values.Length];
        var index = new int[shape.Length];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = values[index.Select((at, j) => at * strides[axes[j]]).Sum()];
            for (int j = index.Length - 1; j >= 0 && ++index[j] == shapeOut[j]; j--)
            {
                index[j] = 0;
            }
        }

        return result;
    }

    public static byte[] Float32(float[] values) => values.SelectMany(BitConverter.GetBytes).ToArray();

    public byte[] ToArray()
    {
        var subgraph = new Table().Tables(0, _tensors).Tables(3, _operators).String(4, "main");
        var model = new Table()
            .UInt32(0, 3)
            .Tables(1, _codes.Select(code => new Table().Byte(0, (byte)Math.Min(code, 127)).Int32(2, 1).Int32(3, code)).ToList())
            .Tables(2, [subgraph])
            .Tables(4, _buffers);
        // The root table's offset, then the file identifier.
        var output = new List<byte>([0, 0, 0, 0, .. "TFL3"u8]);
        Patch(output, 0, model.Write(output));
        return [.. output];
    }

    public string Write(string directory, string name = "model.tflite")
    {
        string path = Path.Combine(directory, name);
        File.WriteAllBytes(path, ToArray());
        return path;
    }

    // Symmetric int8 or int4 codes with one scale per output channel (index of dimension), as TFLite's converter quantizes weights.
    private int PerChannel(string name, int[] shape, float[] values, int dimension, TensorDType codeType)
    {
        int levels = codeType == TensorDType.I4 ? 7 : 127;
        int stride = shape.Skip(dimension + 1).Aggregate(1, (product, side) => product * side);
        int Channel(int element) => element / stride % shape[dimension];
        var largest = new float[shape[dimension]];
        for (int i = 0; i < values.Length; i++)
        {
            largest[Channel(i)] = Math.Max(largest[Channel(i)], Math.Abs(values[i]));
        }

        float[] scales = largest.Select(max => Math.Max(max, 1e-8f) / levels).ToArray();
        float[] codes = values.Select((v, i) => Math.Clamp(MathF.Round(v / scales[Channel(i)]), -levels, levels)).ToArray();
        byte[] data = ElementBytes.Encode(codeType, codes);
        return Tensor(name, shape, codeType, data, scales, dimension: dimension);
    }

    /// <summary>Stores at <paramref name="at"/> the forward offset to <paramref name="target"/>.</summary>
    private static void Patch(List<byte> output, int at, int target)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)(target - at));
        for (int i = 0; i < 4; i++)
        {
            output[at + i] = bytes[i];
        }
    }

    private static void Align(List<byte> output, int alignment)
    {
        while (output.Count % alignment != 0)
        {
            output.Add(0);
        }
    }

    /// <summary>A table: scalar fields inline, and strings, vectors and sub-tables written after it.</summary>
    private sealed class Table
    {
        private readonly SortedDictionary<int, object> _fields = [];

        public Table Byte(int field, byte value) => Set(field, new[] { value });

        public Table Int32(int field, int value) => Set(field, BitConverter.GetBytes(value));

        public Table UInt32(int field, uint value) => Set(field, BitConverter.GetBytes(value));

        public Table UInt64(int field, ulong value) => Set(field, BitConverter.GetBytes(value));

        public Table String(int field, string value) => Set(field, new Blob([.. Encoding.UTF8.GetBytes(value), 0], Encoding.UTF8.GetByteCount(value), 4));

        public Table Vector(int field, byte[] data, int elementSize) => Set(field, new Blob(data, data.Length / elementSize, 16));

        public Table Child(int field, Table table) => Set(field, table);

        public Table Tables(int field, IReadOnlyList<Table> tables) => Set(field, tables);

        /// <summary>Appends the vtable, the table and its children; returns the table's position.</summary>
        public int Write(List<byte> output)
        {
            int slots = _fields.Count == 0 ? 0 : _fields.Keys.Max() + 1;
            var offsets = new ushort[slots];
            int inline = 4;
            foreach ((int field, object value) in _fields)
            {
                offsets[field] = (ushort)inline;
                inline += value is byte[] scalar ? scalar.Length : 4;
            }

            Align(output, 4);
            int vtable = output.Count;
            output.AddRange(BitConverter.GetBytes((ushort)(4 + (2 * slots))));
            output.AddRange(BitConverter.GetBytes((ushort)inline));
            foreach (ushort offset in offsets)
            {
                output.AddRange(BitConverter.GetBytes(offset));
            }

            Align(output, 4);
            int table = output.Count;
            output.AddRange(BitConverter.GetBytes(table - vtable));
            var pending = new List<(int At, object Child)>();
            foreach ((int field, object value) in _fields)
            {
                if (value is byte[] scalar)
                {
                    output.AddRange(scalar);
                }
                else
                {
                    pending.Add((output.Count, value));
                    output.AddRange(new byte[4]);
                }
            }

            foreach ((int at, object child) in pending)
            {
                Patch(output, at, child switch
                {
                    Table sub => sub.Write(output),
                    Blob blob => blob.Write(output),
                    _ => WriteTables(output, (IReadOnlyList<Table>)child),
                });
            }

            return table;
        }

        private static int WriteTables(List<byte> output, IReadOnlyList<Table> tables)
        {
            Align(output, 4);
            int vector = output.Count;
            output.AddRange(BitConverter.GetBytes(tables.Count));
            output.AddRange(new byte[4 * tables.Count]);
            for (int i = 0; i < tables.Count; i++)
            {
                Patch(output, vector + 4 + (4 * i), tables[i].Write(output));
            }

            return vector;
        }

        private Table Set(int field, object value)
        {
            _fields[field] = value;
            return this;
        }
    }

    /// <summary>A string or a vector of scalars: its length, then its bytes, the elements aligned to <see cref="Alignment"/>.</summary>
    private sealed record Blob(byte[] Bytes, int Count, int Alignment)
    {
        public int Write(List<byte> output)
        {
            while ((output.Count + 4) % Alignment != 0)
            {
                output.Add(0);
            }

            int at = output.Count;
            output.AddRange(BitConverter.GetBytes(Count));
            output.AddRange(Bytes);
            return at;
        }
    }
}
