using System.Diagnostics;
using System.Globalization;
using TensorGuard.Core.Formats;
using TensorGuard.Core.Formats.Safetensors;

// Read-throughput benchmark (see bench/read-throughput.sh):
//   generate FILE  writes a BF16 safetensors file with Llama-3.2-1B shapes (about 2.5 GB), streamed.
//   read FILE      converts every tensor to float32 in row blocks through ITensorSource and prints
//                  "seconds bytes checksum" on one line.
string command = args.Length == 2 ? args[0] : "";
string path = args.Length == 2 ? args[1] : "";
switch (command)
{
    case "generate":
        Generate(path);
        return 0;
    case "read":
        Read(path);
        return 0;
    default:
        Console.Error.WriteLine("usage: ReadThroughput generate|read FILE");
        return 1;
}

static void Generate(string path)
{
    const long hidden = 2048, intermediate = 8192, vocabulary = 128256, layers = 16, heads = 32, kvHeads = 8;
    const long headDim = hidden / heads;
    var tensors = new List<SafetensorsWriter.Layout>
    {
        new("model.embed_tokens.weight", TensorDType.BF16, [vocabulary, hidden]),
        new("model.norm.weight", TensorDType.BF16, [hidden]),
    };
    for (int layer = 0; layer < layers; layer++)
    {
        string p = $"model.layers.{layer}.";
        tensors.AddRange(
        [
            new(p + "input_layernorm.weight", TensorDType.BF16, [hidden]),
            new(p + "post_attention_layernorm.weight", TensorDType.BF16, [hidden]),
            new(p + "self_attn.q_proj.weight", TensorDType.BF16, [heads * headDim, hidden]),
            new(p + "self_attn.k_proj.weight", TensorDType.BF16, [kvHeads * headDim, hidden]),
            new(p + "self_attn.v_proj.weight", TensorDType.BF16, [kvHeads * headDim, hidden]),
            new(p + "self_attn.o_proj.weight", TensorDType.BF16, [hidden, heads * headDim]),
            new(p + "mlp.gate_proj.weight", TensorDType.BF16, [intermediate, hidden]),
            new(p + "mlp.up_proj.weight", TensorDType.BF16, [intermediate, hidden]),
            new(p + "mlp.down_proj.weight", TensorDType.BF16, [hidden, intermediate]),
        ]);
    }

    // One MiB of small finite BF16 values from a fixed seed, repeated: content does not change the
    // throughput of a conversion, but it should look like weights rather than zeros.
    var random = new Random(1);
    var chunk = new byte[1 << 20];
    for (int i = 0; i < chunk.Length; i += 2)
    {
        chunk[i] = (byte)random.Next(256);
        chunk[i + 1] = (byte)(0x3C + random.Next(2));
    }

    SafetensorsWriter.Write(path, tensors, (tensor, stream) =>
    {
        for (long left = tensor.ByteLength; left > 0; left -= chunk.Length)
        {
            stream.Write(chunk, 0, (int)Math.Min(left, chunk.Length));
        }
    });
}

static void Read(string path)
{
    // Whole rows per block, about 1 MiB of float32: big enough to amortise calls, small enough for L2.
    const int targetElements = 1 << 18;
    var stopwatch = Stopwatch.StartNew();
    using LoadedModel model = ModelLoader.Open(path);
    var buffer = new float[targetElements];
    double checksum = 0;
    foreach (TensorEntry tensor in model.Tensors)
    {
        long rowsPerBlock = Math.Max(1, targetElements / tensor.RowLength);
        long blockElements = rowsPerBlock * tensor.RowLength;
        if (blockElements > buffer.Length)
        {
            buffer = new float[blockElements];
        }

        for (long first = 0; first < tensor.ElementCount; first += blockElements)
        {
            Span<float> block = buffer.AsSpan(0, (int)Math.Min(blockElements, tensor.ElementCount - first));
            model.ReadFloat32(tensor, first, block);
            checksum += block[^1];
        }
    }

    stopwatch.Stop();
    long bytes = model.Files.Sum(f => f.Length);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{stopwatch.Elapsed.TotalSeconds:F3} {bytes} {checksum:R}"));
}
