using TensorGuard.Tests.Corpus;
using TensorGuard.Core.Formats;
using TensorGuard.Core.Formats.Gguf;
using TensorGuard.ModelFactory.Formats;

namespace TensorGuard.Core.Tests.Formats;

public class GgufFileTests
{
    [Fact]
    public void Open_QuantizedTensor_ExposesRowMajorShapeAndReferenceValues()
    {
        using var scratch = new TestDirectory();
        float[] values = GgufDequantizerTests.Gaussian(3 * 512, seed: 3);
        byte[] q4k = GgufQuantizer.Quantize(TensorDType.Q4K, values);
        string path = scratch.Write("m.gguf", new GgufWriter()
            .String("general.architecture", "qwen2")
            .RawTensor("blk.0.ffn_down.weight", [3, 512], GgufQuantizer.TypeId(TensorDType.Q4K), q4k)
            .ToArray());

        using LoadedModel model = ModelLoader.Open(path);

        TensorEntry tensor = Assert.Single(model.Tensors);
        Assert.Equal("gguf", model.Format);
        Assert.Equal("model.layers.0.mlp.down_proj.weight", tensor.Name);
        Assert.Equal(TensorDType.Q4K, tensor.DType);
        Assert.Equal([3L, 512L], tensor.Shape);
        float[] expected = GgufReferenceDequantizer.Dequantize(TensorDType.Q4K, q4k);
        Assert.Equal(expected, ReadAll(model, tensor));
    }

    [Theory]
    [InlineData(0, 1536)]
    [InlineData(5, 300)]
    [InlineData(255, 2)]
    [InlineData(1000, 536)]
    public void ReadFloat32_UnalignedRanges_MatchWholeTensor(int first, int count)
    {
        using var scratch = new TestDirectory();
        float[] values = GgufDequantizerTests.Gaussian(3 * 512, seed: 4);
        string path = scratch.Write("m.gguf", new GgufWriter().Tensor("t", [3, 512], TensorDType.Q6K, values).ToArray());
        using LoadedModel model = ModelLoader.Open(path);
        TensorEntry tensor = model.Tensors[0];
        float[] whole = ReadAll(model, tensor);

        var part = new float[count];
        model.ReadFloat32(tensor, first, part);

        Assert.Equal(whole.AsSpan(first, count).ToArray(), part);
    }

    [Fact]
    public void Open_GgufNames_MapToHuggingFaceNames()
    {
        using var scratch = new TestDirectory();
        float[] row = new float[32];
        var writer = new GgufWriter().String("general.architecture", "gemma2").UInt32("gemma2.feed_forward_length", 1);
        foreach (string name in new[]
        {
            "token_embd.weight", "output_norm.weight", "output.weight", "blk.0.attn_norm.weight", "blk.0.attn_q.weight",
            "blk.0.attn_k.weight", "blk.0.attn_v.weight", "blk.0.attn_output.weight", "blk.0.ffn_gate.weight", "blk.0.ffn_up.weight",
            "blk.0.ffn_down.weight", "blk.0.ffn_norm.weight", "blk.0.post_attention_norm.weight", "blk.0.post_ffw_norm.weight",
            "blk.1.ffn_norm.weight", "rope_freqs.weight",
        })
        {
            writer.Tensor(name, [1, 32], TensorDType.F32, row);
        }

        using LoadedModel model = ModelLoader.Open(scratch.Write("m.gguf", writer.ToArray()));

        Assert.Equal(
        [
            "lm_head.weight", "model.embed_tokens.weight", "model.layers.0.input_layernorm.weight", "model.layers.0.mlp.down_proj.weight",
            "model.layers.0.mlp.gate_proj.weight", "model.layers.0.mlp.up_proj.weight", "model.layers.0.post_attention_layernorm.weight",
            "model.layers.0.post_feedforward_layernorm.weight", "model.layers.0.pre_feedforward_layernorm.weight",
            "model.layers.0.self_attn.k_proj.weight", "model.layers.0.self_attn.o_proj.weight", "model.layers.0.self_attn.q_proj.weight",
            "model.layers.0.self_attn.v_proj.weight", "model.layers.1.post_attention_layernorm.weight", "model.norm.weight", "rope_freqs.weight",
        ], model.Tensors.Select(t => t.Name));
    }

    [Fact]
    public void Open_FusedGateUp_MapsToGateUpProjection()
    {
        using var scratch = new TestDirectory();
        var writer = new GgufWriter().String("general.architecture", "phi3").UInt32("phi3.feed_forward_length", 2)
            .Tensor("blk.0.ffn_up.weight", [4, 32], TensorDType.F32, new float[128])
            .Tensor("blk.0.ffn_down.weight", [32, 32], TensorDType.F32, new float[1024]);

        using LoadedModel model = ModelLoader.Open(scratch.Write("m.gguf", writer.ToArray()));

        Assert.Contains(model.Tensors, t => t.Name == "model.layers.0.mlp.gate_up_proj.weight");
    }

    [Theory]
    [InlineData("llama", true)]
    [InlineData("qwen2", false)]
    public void ReadFloat32_LlamaQueryAndKey_UndoesConverterRowOrder(string architecture, bool undone)
    {
        const int Heads = 4, KvHeads = 2, HeadDim = 8, Width = 32;
        float[] q = Enumerable.Range(0, Heads * HeadDim * Width).Select(i => (float)i).ToArray();
        float[] k = Enumerable.Range(0, KvHeads * HeadDim * Width).Select(i => -(float)i).ToArray();
        using var scratch = new TestDirectory();
        string path = scratch.Write("m.gguf", new GgufWriter()
            .String("general.architecture", architecture)
            .UInt32(architecture + ".attention.head_count", Heads)
            .UInt32(architecture + ".attention.head_count_kv", KvHeads)
            .Tensor("blk.0.attn_q.weight", [Heads * HeadDim, Width], TensorDType.F32, RotaryPermute(q, Heads, Width))
            .Tensor("blk.0.attn_k.weight", [KvHeads * HeadDim, Width], TensorDType.F32, RotaryPermute(k, KvHeads, Width))
            .ToArray());

        using LoadedModel model = ModelLoader.Open(path);

        float[] readQ = ReadAll(model, model.Tensors.Single(t => t.Name.EndsWith("q_proj.weight", StringComparison.Ordinal)));
        float[] readK = ReadAll(model, model.Tensors.Single(t => t.Name.EndsWith("k_proj.weight", StringComparison.Ordinal)));
        Assert.Equal(undone, q.SequenceEqual(readQ));
        Assert.Equal(undone, k.SequenceEqual(readK));
    }

    [Fact]
    public void Open_Metadata_IsExposedAsText()
    {
        using var scratch = new TestDirectory();
        string path = scratch.Write("m.gguf", new GgufWriter()
            .String("general.architecture", "llama")
            .String("general.name", "Llama 3.2 1B Instruct")
            .String("general.license", "llama3.2")
            .String("general.base_model.0.name", "Llama 3.2 1B")
            .UInt32("general.base_model.count", 1)
            .UInt32("llama.block_count", 16)
            .Float32("llama.rope.freq_base", 500000f)
            .Bool("tokenizer.ggml.add_bos_token", true)
            .Strings("general.tags", ["a", "b"])
            .Strings("tokenizer.ggml.tokens", Enumerable.Range(0, 1000).Select(i => $"tok{i}").ToArray())
            .Tensor("token_embd.weight", [2, 32], TensorDType.F16, new float[64])
            .ToArray());

        using LoadedModel model = ModelLoader.Open(path);

        Assert.Equal("llama", model.Metadata["general.architecture"]);
        Assert.Equal("Llama 3.2 1B Instruct", model.Metadata["general.name"]);
        Assert.Equal("llama3.2", model.Metadata["general.license"]);
        Assert.Equal("Llama 3.2 1B", model.Metadata["general.base_model.0.name"]);
        Assert.Equal("16", model.Metadata["llama.block_count"]);
        Assert.Equal("500000", model.Metadata["llama.rope.freq_base"]);
        Assert.Equal("true", model.Metadata["tokenizer.ggml.add_bos_token"]);
        Assert.Equal("[\"a\", \"b\"]", model.Metadata["general.tags"]);
        Assert.Equal("[1000 string values]", model.Metadata["tokenizer.ggml.tokens"]);
    }

    [Theory]
    [InlineData(64u)]
    [InlineData(1u)]
    public void Open_CustomAlignment_ReadsTensorsAtAlignedOffsets(uint alignment)
    {
        using var scratch = new TestDirectory();
        float[] a = GgufDequantizerTests.Gaussian(32, 1), b = GgufDequantizerTests.Gaussian(64, 2);
        string path = scratch.Write("m.gguf", new GgufWriter { Alignment = alignment }
            .Tensor("a", [32], TensorDType.Q80, a)
            .Tensor("b", [2, 32], TensorDType.F32, b)
            .ToArray());

        using LoadedModel model = ModelLoader.Open(path);

        Assert.Equal(b, ReadAll(model, model.Tensors.Single(t => t.Name == "b")));
    }

    internal static float[] ReadAll(ITensorSource source, TensorEntry tensor)
    {
        var values = new float[tensor.ElementCount];
        source.ReadFloat32(tensor, 0, values);
        return values;
    }

    // convert_hf_to_gguf.py permute(): within each head, rows (j·D/2 + i) move to (2i + j).
    internal static float[] RotaryPermute(float[] weights, int heads, int width)
    {
        int rows = weights.Length / width, headRows = rows / heads, half = headRows / 2;
        var permuted = new float[weights.Length];
        for (int row = 0; row < rows; row++)
        {
            int head = row / headRows, within = row % headRows;
            int stored = (head * headRows) + (2 * (within % half)) + (within / half);
            Array.Copy(weights, row * width, permuted, stored * width, width);
        }

        return permuted;
    }
}
