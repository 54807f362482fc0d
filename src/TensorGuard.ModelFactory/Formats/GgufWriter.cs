using System.Buffers.Binary;
using System.Text;
using TensorGuard.Core.Formats;

namespace TensorGuard.ModelFactory.Formats;

/// <summary>
/// Writes GGUF v3 files (ggml/docs/gguf.md) for tests: typed metadata key-values, tensor infos with
/// dimensions innermost first, aligned tensor data quantized by <see cref="GgufQuantizer"/>. The low-level
/// <see cref="GgufBytes"/> helpers let malformed-input tests build broken files piece by piece.
/// </summary>
public sealed class GgufWriter
{
    private readonly List<(string Key, Action<GgufBytes> Write)> _metadata = [];
    private readonly List<(string Name, long[] Shape, uint Type, byte[] Data)> _tensors = [];

    /// <summary>Data alignment (general.alignment is written when it differs from 32).</summary>
    public uint Alignment { get; init; } = 32;

    /// <summary>GGUF version written in the header.</summary>
    public uint Version { get; init; } = 3;

    public GgufWriter String(string key, string value) => Add(key, 8, b => b.String(value));

    public GgufWriter UInt32(string key, uint value) => Add(key, 4, b => b.UInt32(value));

    public GgufWriter Int32(string key, int value) => Add(key, 5, b => b.UInt32((uint)value));

    public GgufWriter UInt64(string key, ulong value) => Add(key, 10, b => b.UInt64(value));

    public GgufWriter Float32(string key, float value) => Add(key, 6, b => b.Float32(value));

    public GgufWriter Bool(string key, bool value) => Add(key, 7, b => b.Byte(value ? (byte)1 : (byte)0));

    public GgufWriter Strings(string key, IReadOnlyList<string> values) => Add(key, 9, b =>
    {
        b.UInt32(8).UInt64((ulong)values.Count);
        foreach (string value in values)
        {
            b.String(value);
        }
    });

    public GgufWriter Int32s(string key, IReadOnlyList<int> values) => Add(key, 9, b =>
    {
        b.UInt32(5).UInt64((ulong)values.Count);
        foreach (int value in values)
        {
            b.UInt32((uint)value);
        }
    });

    /// <summary>A metadata value written by <paramref name="write"/> after its type <paramref name="type"/>.</summary>
    public GgufWriter Add(string key, uint type, Action<GgufBytes> write)
    {
        _metadata.Add((key, b => write(b.UInt32(type))));
        return this;
    }

    /// <summary>A tensor of row-major <paramref name="shape"/> quantized to <paramref name="dtype"/>.</summary>
    public GgufWriter Tensor(string name, long[] shape, TensorDType dtype, ReadOnlySpan<float> values) =>
        RawTensor(name, shape, GgufQuantizer.TypeId(dtype), GgufQuantizer.Quantize(dtype, values));

    /// <summary>A tensor with the given type id and data bytes, unchecked.</summary>
    public GgufWriter RawTensor(string name, long[] shape, uint type, byte[] data)
    {
        _tensors.Add((name, shape, type, data));
        return this;
    }

    public byte[] ToArray()
    {
        var b = new GgufBytes();
        b.UInt32(0x46554747).UInt32(Version).UInt64((ulong)_tensors.Count);
        bool writeAlignment = Alignment != 32;
        b.UInt64((ulong)(_metadata.Count + (writeAlignment ? 1 : 0)));
        if (writeAlignment)
        {
            b.String("general.alignment").UInt32(4).UInt32(Alignment);
        }

        foreach ((string key, Action<GgufBytes> write) in _metadata)
        {
            write(b.String(key));
        }

        long offset = 0;
        var offsets = new List<long>();
        foreach ((string name, long[] shape, uint type, byte[] data) in _tensors)
        {
            b.String(name).UInt32((uint)shape.Length);
            foreach (long dim in shape.Reverse())
            {
                b.UInt64((ulong)dim);
            }

            b.UInt32(type).UInt64((ulong)offset);
            offsets.Add(offset);
            offset = AlignUp(offset + data.Length);
        }

        b.Pad(Alignment);
        long dataStart = b.Length;
        for (int i = 0; i < _tensors.Count; i++)
        {
            b.PadTo(dataStart + offsets[i]);
            b.Bytes(_tensors[i].Data);
        }

        return b.ToArray();
    }

    public void Write(string path) => File.WriteAllBytes(path, ToArray());

    private long AlignUp(long value) => (value + Alignment - 1) / Alignment * Alignment;
}

/// <summary>Little-endian byte building for GGUF test files.</summary>
public sealed class GgufBytes
{
    private readonly MemoryStream _stream = new();

    public long Length => _stream.Length;

    public GgufBytes Byte(byte value)
    {
        _stream.WriteByte(value);
        return this;
    }

    public GgufBytes UInt32(uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        _stream.Write(bytes);
        return this;
    }

    public GgufBytes UInt64(ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        _stream.Write(bytes);
        return this;
    }

    public GgufBytes Float32(float value) => UInt32(BitConverter.SingleToUInt32Bits(value));

    public GgufBytes String(string value)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(value);
        return UInt64((ulong)utf8.Length).Bytes(utf8);
    }

    public GgufBytes Bytes(ReadOnlySpan<byte> bytes)
    {
        _stream.Write(bytes);
        return this;
    }

    public GgufBytes Pad(uint alignment) => PadTo((_stream.Length + alignment - 1) / alignment * alignment);

    public GgufBytes PadTo(long length)
    {
        while (_stream.Length < length)
        {
            _stream.WriteByte(0);
        }

        return this;
    }

    public byte[] ToArray() => _stream.ToArray();
}
