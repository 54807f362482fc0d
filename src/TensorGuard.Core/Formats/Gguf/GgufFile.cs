
namespace TensorGuard.Core.Formats.Gguf;

/// <summary>
/// A GGUF file (llama.cpp, Ollama) read as a tensor source. Shapes are exposed row-major (GGUF stores
/// dimensions innermost first), names are mapped to their Hugging Face counterparts, and quantized blocks
/// are dequantized to float32 on demand, so memory stays bounded by the caller's block.
/// </summary>
/// <remarks>
/// llama.cpp's converter reorders the rows of the query and key projections of <c>llama</c>-architecture
/// models so that its rotary embedding can pair adjacent rows (<c>permute</c> in convert_hf_to_gguf.py);
/// we undo that reordering when reading, so those weights appear exactly as in the Hugging Face checkpoint.
/// For Gemma (<c>gemma</c>, <c>gemma2</c>, <c>gemma3</c>) it stores every RMSNorm weight as w + 1, because Gemma's norm
/// multiplies by (1 + w) and llama.cpp's by w; we subtract the 1 again, so norms match the safetensors base (to float32
/// rounding of the +1).
/// </remarks>
public sealed class GgufFile : ITensorSource
{
    /// <summary>Format name shown in reports.</summary>
    public const string FormatName = "gguf";

    private const int ChunkElements = 1 << 20;

    // general.architecture values whose converter stored norm weights as w + 1 (convert_hf_to_gguf.py, Gemma*Model).
    private static readonly string[] NormPlusOneArchitectures = ["gemma", "gemma2", "gemma3"];

    private readonly IByteSource _file;
    private readonly Dictionary<string, StoredTensor> _stored;

    private GgufFile(IByteSource file, GgufHeader header, Dictionary<string, StoredTensor> stored)
    {
        _file = file;
        Header = header;
        _stored = stored;
        Tensors = stored.Values
            .Select(t => new TensorEntry(t.Name, t.Info.Type.DType!.Value, t.Info.Shape, file.Path))
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .ToArray();
        Metadata = header.Metadata.ToDictionary(pair => pair.Key, pair => pair.Value.Text, StringComparer.Ordinal);
    }

    /// <summary>The file's path as given.</summary>
    public string Path => _file.Path;

    /// <summary>File size in bytes.</summary>
    public long Length => _file.Length;

    /// <summary>The validated header.</summary>
    public GgufHeader Header { get; }

    /// <summary>Metadata key-values as text (large arrays summarised), e.g. <c>general.architecture</c>.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <inheritdoc />
    public IReadOnlyList<TensorEntry> Tensors { get; }

    /// <summary>Whether <paramref name="prefix"/> (the first bytes of a file) starts with the GGUF magic.</summary>
    public static bool HasMagic(ReadOnlySpan<byte> prefix) => prefix.StartsWith("GGUF"u8);

    /// <summary>Opens and validates <paramref name="path"/>.</summary>
    /// <exception cref="ModelFormatException">The file is missing, unreadable or malformed.</exception>
    public static GgufFile Open(string path) => Open(MappedFile.Open(path, GgufHeader.FixedHeaderSize, "GGUF"));

    /// <summary>Validates the GGUF file <paramref name="file"/>, which the result owns (and disposes of, also when this throws).</summary>
    /// <exception cref="ModelFormatException">The file is unreadable or malformed.</exception>
    public static GgufFile Open(IByteSource file)
    {
        try
        {
            GgufHeader header = GgufHeader.Read(file);
            return new GgufFile(file, header, MapTensors(file.Path, header));
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
        StoredTensor stored = StoredTensors.Find(_stored, tensor, Path, firstElement, destination.Length);
        if (stored.RotaryHeadRows == 0)
        {
            ReadStored(stored, firstElement, destination);
            if (stored.NormOffset)
            {
                foreach (ref float value in destination)
                {
                    value -= 1f;
                }
            }

            return;
        }

        long rowLength = stored.Info.Dimensions[0];
        int written = 0;
        while (written < destination.Length)
        {
            long element = firstElement + written;
            long row = element / rowLength;
            long column = element % rowLength;
            int count = (int)Math.Min(destination.Length - written, rowLength - column);
            long storedRow = StoredRotaryRow(row, stored.RotaryHeadRows);
            ReadStored(stored, (storedRow * rowLength) + column, destination.Slice(written, count));
            written += count;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _file.Dispose();

    // Hugging Face row R of head h holds the pair (i, j) = (R mod D mod D/2, R mod D div D/2); llama.cpp stores it at h·D + 2i + j.
    private static long StoredRotaryRow(long row, long headRows)
    {
        long head = row / headRows;
        long within = row % headRows;
        long half = headRows / 2;
        return (head * headRows) + (2 * (within % half)) + (within / half);
    }

    private void ReadStored(StoredTensor stored, long firstElement, Span<float> destination)
    {
        GgmlType type = stored.Info.Type;
        TensorDType dtype = type.DType!.Value;
        int blockSize = type.BlockSize;
        Span<float> scratch = stackalloc float[GgmlType.SuperBlock];
        int written = 0;
        while (written < destination.Length)
        {
            long element = firstElement + written;
            long block = element / blockSize;
            int within = (int)(element % blockSize);
            int remaining = destination.Length - written;
            long offset = stored.Info.Start + (block * type.BlockBytes);
            if (within == 0 && remaining >= blockSize)
            {
                int blocks = Math.Min(remaining, ChunkElements) / blockSize;
                ReadOnlySpan<byte> source = _file.Span(offset, (long)blocks * type.BlockBytes, "tensor data");
                GgufDequantizer.Dequantize(dtype, source, destination.Slice(written, blocks * blockSize));
                written += blocks * blockSize;
            }
            else
            {
                Span<float> values = scratch[..blockSize];
                GgufDequantizer.Dequantize(dtype, _file.Span(offset, type.BlockBytes, "tensor data"), values);
                int count = Math.Min(blockSize - within, remaining);
                values.Slice(within, count).CopyTo(destination.Slice(written, count));
                written += count;
            }
        }
    }

    private static Dictionary<string, StoredTensor> MapTensors(string path, GgufHeader header)
    {
        var parts = header.Tensors
            .Select(t => (Tensor: t, Block: GgufTensorNames.ParseBlockName(t.Name)))
            .Where(t => t.Block is not null)
            .ToLookup(t => t.Block!.Value.Layer, t => (t.Block!.Value.Part, t.Tensor));
        string architecture = header.Metadata.GetValueOrDefault("general.architecture")?.Text ?? "";
        long feedForward = Integer(header, architecture + ".feed_forward_length");
        long heads = Integer(header, architecture + ".attention.head_count");
        long kvHeads = Integer(header, architecture + ".attention.head_count_kv") is > 0 and long kv ? kv : heads;

        // Each layer's layout is worked out once: recomputing it per tensor is quadratic in tensors per layer.
        var layouts = new Dictionary<int, GgufTensorNames.BlockLayout>();
        GgufTensorNames.BlockLayout LayoutOf(int layer)
        {
            if (!layouts.TryGetValue(layer, out GgufTensorNames.BlockLayout layout))
            {
                layouts[layer] = layout = ComputeLayout(layer);
            }

            return layout;
        }

        GgufTensorNames.BlockLayout ComputeLayout(int layer)
        {
            // Weights and biases share a part name; the weight decides the layout.
            var present = parts[layer]
                .Where(p => p.Tensor.Name.EndsWith(".weight", StringComparison.Ordinal))
                .GroupBy(p => p.Part, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.First().Tensor, StringComparer.Ordinal);
            bool fused = !present.ContainsKey("ffn_gate") && present.TryGetValue("ffn_up", out GgufHeader.TensorInfo? up)
                && feedForward > 0 && up.Shape[0] == 2 * feedForward;
            return new(present.ContainsKey("post_attention_norm"), fused);
        }

        var stored = new Dictionary<string, StoredTensor>(StringComparer.Ordinal);
        foreach (GgufHeader.TensorInfo info in header.Tensors)
        {
            string name = GgufTensorNames.ToHuggingFace(info.Name, LayoutOf);
            long headRows = architecture == "llama" ? RotaryHeadRows(info, heads, kvHeads) : 0;
            bool normOffset = NormPlusOneArchitectures.Contains(architecture, StringComparer.Ordinal)
                && info.Name.EndsWith("norm.weight", StringComparison.Ordinal);
            if (!stored.TryAdd(name, new StoredTensor(name, info, headRows, normOffset)))
            {
                throw new ModelFormatException(path, $"tensors \"{UntrustedText.Printable(stored[name].Info.Name)}\" and \"{UntrustedText.Printable(info.Name)}\" both stand for \"{UntrustedText.Printable(name)}\"; remove one of them");
            }
        }

        return stored;
    }

    // Rows per head of a query/key projection whose rows llama.cpp reordered, or 0 when it did not.
    private static long RotaryHeadRows(GgufHeader.TensorInfo info, long heads, long kvHeads)
    {
        long headCount = GgufTensorNames.ParseBlockName(info.Name) switch
        {
            (_, "attn_q") when info.Name.EndsWith(".weight", StringComparison.Ordinal) => heads,
            (_, "attn_k") when info.Name.EndsWith(".weight", StringComparison.Ordinal) => kvHeads,
            _ => 0,
        };
        long rows = info.Shape[0];
        return headCount > 0 && info.Dimensions.Length == 2 && rows % headCount == 0 && rows / headCount % 2 == 0
            ? rows / headCount
            : 0;
    }

    private static long Integer(GgufHeader header, string key) =>
        header.Metadata.GetValueOrDefault(key)?.Integer ?? 0;

    /// <param name="NormOffset">A Gemma norm stored as w + 1 (see the remarks on the class).</param>
    private sealed record StoredTensor(string Name, GgufHeader.TensorInfo Info, long RotaryHeadRows, bool NormOffset);
}
