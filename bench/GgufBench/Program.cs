using System.Buffers.Binary;
using System.Text;
using TensorGuard.Core.Formats;
using TensorGuard.Core.Formats.Safetensors;
using TensorGuard.ModelFactory.Formats;

// Writes the Q4_K GGUF llama.cpp's converter and quantizer would make of a Llama-style safetensors checkpoint
// (GGUF names, Q/K rows in its rotary order, 1-D tensors kept F32), streaming one row batch at a time.
// Usage: GgufBench convert MODEL.safetensors OUT.gguf HEADS KV_HEADS
if (args is not ["convert", string input, string output, string headsText, string kvText])
{
    Console.Error.WriteLine("usage: GgufBench convert MODEL.safetensors OUT.gguf HEADS KV_HEADS");
    return 1;
}

int heads = int.Parse(headsText, System.Globalization.CultureInfo.InvariantCulture);
int kvHeads = int.Parse(kvText, System.Globalization.CultureInfo.InvariantCulture);
const uint Alignment = 32;
const TensorDType Quantized = TensorDType.Q4K;
using SafetensorsFile source = SafetensorsFile.Open(input);
TensorEntry[] tensors = source.Tensors.ToArray();
TensorEntry embedding = tensors.Single(t => t.Name == "model.embed_tokens.weight");
long hidden = embedding.Shape[1];
int layers = tensors.Count(t => t.Name.EndsWith(".input_layernorm.weight", StringComparison.Ordinal));
long intermediate = tensors.First(t => t.Name.EndsWith(".mlp.gate_proj.weight", StringComparison.Ordinal)).Shape[0];

var header = new MemoryStream();
void U32(uint v) { Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, v); header.Write(b); }
void U64(ulong v) { Span<byte> b = stackalloc byte[8]; BinaryPrimitives.WriteUInt64LittleEndian(b, v); header.Write(b); }
void Str(string s) { byte[] bytes = Encoding.UTF8.GetBytes(s); U64((ulong)bytes.Length); header.Write(bytes); }
void KvString(string key, string value) { Str(key); U32(8); Str(value); }
void KvU32(string key, uint value) { Str(key); U32(4); U32(value); }

U32(0x46554747);
U32(3);
U64((ulong)tensors.Length);
U64(7);
KvString("general.architecture", "llama");
KvString("general.name", Path.GetFileNameWithoutExtension(input));
KvU32("llama.block_count", (uint)layers);
KvU32("llama.embedding_length", (uint)hidden);
KvU32("llama.feed_forward_length", (uint)intermediate);
KvU32("llama.attention.head_count", (uint)heads);
KvU32("llama.attention.head_count_kv", (uint)kvHeads);

bool IsQuantized(TensorEntry t) => t.Shape.Count == 2 && t.RowLength % GgufQuantizer.BlockSize(Quantized) == 0;
long Bytes(TensorEntry t) => IsQuantized(t) ? t.ElementCount / GgufQuantizer.BlockSize(Quantized) * GgufQuantizer.BlockBytes(Quantized) : t.ElementCount * 4;
long AlignUp(long v) => (v + Alignment - 1) / Alignment * Alignment;

long offset = 0;
foreach (TensorEntry t in tensors)
{
    Str(GgufName(t.Name));
    U32((uint)t.Shape.Count);
    foreach (long dim in t.Shape.Reverse())
    {
        U64((ulong)dim);
    }

    U32(IsQuantized(t) ? GgufQuantizer.TypeId(Quantized) : GgufQuantizer.TypeId(TensorDType.F32));
    U64((ulong)offset);
    offset = AlignUp(offset + Bytes(t));
}

using var file = new FileStream(output, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
header.Position = 0;
header.CopyTo(file);
file.Write(new byte[AlignUp(file.Length) - file.Length]);
long dataStart = file.Length;
offset = 0;
foreach (TensorEntry t in tensors)
{
    file.Write(new byte[dataStart + offset - file.Length]);
    int rotaryHeads = t.Name.EndsWith("self_attn.q_proj.weight", StringComparison.Ordinal) ? heads
        : t.Name.EndsWith("self_attn.k_proj.weight", StringComparison.Ordinal) ? kvHeads : 0;
    WriteTensor(t, rotaryHeads);
    offset = AlignUp(offset + Bytes(t));
}

Console.WriteLine($"wrote {output}: {file.Length} bytes, {tensors.Length} tensors");
return 0;

void WriteTensor(TensorEntry t, int rotaryHeads)
{
    if (!IsQuantized(t))
    {
        var values = new float[t.ElementCount];
        source.ReadFloat32(t, 0, values);
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        }

        file.Write(bytes);
        return;
    }

    int rowLength = (int)t.RowLength;
    long headRows = rotaryHeads > 0 ? t.Rows / rotaryHeads : 0;
    const int Batch = 256;
    for (long first = 0; first < t.Rows; first += Batch)
    {
        int count = (int)Math.Min(Batch, t.Rows - first);
        var quantized = new byte[count][];
        Parallel.For(0, count, i =>
        {
            long row = first + i;
            var values = new float[rowLength];
            source.ReadFloat32(t, OriginalRow(row, headRows) * rowLength, values);
            quantized[i] = GgufQuantizer.Quantize(Quantized, values);
        });
        foreach (byte[] row in quantized)
        {
            file.Write(row);
        }
    }
}

// llama.cpp stores row h·d + 2j + s of a rotary projection from Hugging Face row h·d + s·d/2 + j.
static long OriginalRow(long stored, long headRows)
{
    if (headRows == 0)
    {
        return stored;
    }

    long head = stored / headRows, within = stored % headRows;
    return (head * headRows) + (within % 2 * (headRows / 2)) + (within / 2);
}

static string GgufName(string name)
{
    switch (name)
    {
        case "model.embed_tokens.weight": return "token_embd.weight";
        case "model.norm.weight": return "output_norm.weight";
        case "lm_head.weight": return "output.weight";
    }

    string[] parts = name.Split('.');
    string part = string.Join('.', parts[3..^1]) switch
    {
        "self_attn.q_proj" => "attn_q",
        "self_attn.k_proj" => "attn_k",
        "self_attn.v_proj" => "attn_v",
        "self_attn.o_proj" => "attn_output",
        "mlp.gate_proj" => "ffn_gate",
        "mlp.up_proj" => "ffn_up",
        "mlp.down_proj" => "ffn_down",
        "input_layernorm" => "attn_norm",
        "post_attention_layernorm" => "ffn_norm",
        string other => throw new InvalidOperationException($"no GGUF name for {name} ({other})"),
    };
    return $"blk.{parts[2]}.{part}.weight";
}
