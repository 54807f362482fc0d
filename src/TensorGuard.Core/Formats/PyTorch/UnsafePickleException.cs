namespace TensorGuard.Core.Formats.PyTorch;

/// <summary>
/// A pickle refers to a global outside the tensor-rebuilding allow-list (<c>os.system</c>,
/// <c>builtins.eval</c>, …): loading it with <c>torch.load</c> could run code. The file is not read; the
/// gate reports it as an <c>unsafe-pickle</c> finding naming <see cref="Global"/> and <see cref="Opcode"/>.
/// </summary>
public sealed class UnsafePickleException : ModelFormatException
{
    public UnsafePickleException(string path, string stream, string opcode, long offset, string global)
        : base(path, $"pickle {stream} references {UntrustedText.Printable(global)} ({opcode} at byte {offset}), which is not a tensor-rebuilding function; torch.load could run code from this file, so it was not read. Convert the model to safetensors in a sandbox, or remove the file")
    {
        Stream = stream;
        Opcode = opcode;
        Offset = offset;
        Global = global;
    }

    /// <summary>Finding id the gate reports.</summary>
    public const string FindingId = "unsafe-pickle";

    /// <summary>The pickle stream inside the file, e.g. <c>archive/data.pkl</c>.</summary>
    public string Stream { get; }

    /// <summary>Pickle opcode that named the global (<c>GLOBAL</c>, <c>STACK_GLOBAL</c>, <c>INST</c>, <c>EXT1</c>…).</summary>
    public string Opcode { get; }

    /// <summary>Byte offset of the opcode within <see cref="Stream"/>.</summary>
    public long Offset { get; }

    /// <summary>The global as <c>module.name</c> (untrusted text: print it through <see cref="UntrustedText"/>).</summary>
    public string Global { get; }
}
