using System.Buffers.Binary;
using System.Text;

namespace TensorGuard.ModelFactory.Formats;

/// <summary>Emits pickle opcodes one by one, for checkpoints written like torch.save and for hostile pickles.</summary>
public sealed class PickleBuilder
{
    private readonly MemoryStream _stream = new();
    private uint _memo;

    public PickleBuilder Op(byte opcode)
    {
        _stream.WriteByte(opcode);
        return this;
    }

    public PickleBuilder Raw(ReadOnlySpan<byte> bytes)
    {
        _stream.Write(bytes);
        return this;
    }

    public PickleBuilder Proto(byte protocol) => Op(0x80).Op(protocol);

    public PickleBuilder Stop() => Op(0x2E);

    public PickleBuilder Mark() => Op(0x28);

    /// <summary>GLOBAL with text arguments (all protocols).</summary>
    public PickleBuilder Global(string module, string name) => Op(0x63).Raw(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));

    /// <summary>STACK_GLOBAL from two strings (protocol 4).</summary>
    public PickleBuilder StackGlobal(string module, string name) => Unicode(module).Unicode(name).Op(0x93);

    public PickleBuilder Unicode(string text)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(text);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)utf8.Length);
        return Op(0x58).Raw(length).Raw(utf8);
    }

    public PickleBuilder Int(long value)
    {
        if (value is >= 0 and < 256)
        {
            return Op(0x4B).Op((byte)value);
        }

        if (value is >= int.MinValue and <= int.MaxValue)
        {
            Span<byte> bytes = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(bytes, (int)value);
            return Op(0x4A).Raw(bytes);
        }

        Span<byte> wide = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(wide, value);
        return Op(0x8A).Op(8).Raw(wide);
    }

    /// <summary>LONG1 with the given little-endian two's-complement bytes.</summary>
    public PickleBuilder Long(byte[] bytes) => Op(0x8A).Op((byte)bytes.Length).Raw(bytes);

    public PickleBuilder None() => Op(0x4E);

    public PickleBuilder Bool(bool value) => Op(value ? (byte)0x88 : (byte)0x89);

    public PickleBuilder EmptyTuple() => Op(0x29);

    public PickleBuilder Tuple() => Op(0x74);

    public PickleBuilder EmptyDict() => Op(0x7D);

    public PickleBuilder EmptyList() => Op(0x5D);

    public PickleBuilder SetItems() => Op(0x75);

    public PickleBuilder Appends() => Op(0x65);

    public PickleBuilder Reduce() => Op(0x52);

    public PickleBuilder BinPersId() => Op(0x51);

    public PickleBuilder Build() => Op(0x62);

    /// <summary>BINPUT of the next memo slot.</summary>
    public PickleBuilder Put() => Op(0x71).Op((byte)_memo++);

    public PickleBuilder Get(byte slot) => Op(0x68).Op(slot);

    public PickleBuilder IntTuple(IReadOnlyList<long> values)
    {
        Mark();
        foreach (long value in values)
        {
            Int(value);
        }

        return Tuple();
    }

    public byte[] ToArray() => _stream.ToArray();
}
