using TensorGuard.Core.Fingerprints.Gradient;
using TensorGuard.Core.Formats;

namespace TensorGuard.Core.Tests.Fingerprints;

public sealed class TensorSelectionTests
{
    [Theory]
    [InlineData("model.layers.12.self_attn.q_proj.weight", "model.layers.#.self_attn.q_proj.weight")]
    [InlineData("model.layers.2.block_sparse_moe.experts.7.w1.weight", "model.layers.#.block_sparse_moe.experts.#.w1.weight")]
    [InlineData("onnx::MatMul_788", "onnx::MatMul_#")]
    [InlineData("h.0.mlp.fc1.weight", "h.#.mlp.fc1.weight")]
    [InlineData("blk.31.ffn_up.weight", "blk.#.ffn_up.weight")]
    public void Role_BlanksLayerAndExpertIndicesOnly(string name, string expected)
    {
        Assert.Equal(expected, TensorSelection.Role(name));
    }

    [Fact]
    public void Select_DeepModel_SpreadsEveryRoleOverTheWholeDepth()
    {
        var tensors = new List<TensorEntry> { Matrix("model.embed_tokens.weight"), Matrix("lm_head.weight"), Vector("model.norm.weight") };
        for (int layer = 0; layer < 32; layer++)
        {
            tensors.Add(Matrix($"model.layers.{layer}.self_attn.q_proj.weight"));
            tensors.Add(Matrix($"model.layers.{layer}.mlp.down_proj.weight"));
            tensors.Add(Vector($"model.layers.{layer}.input_layernorm.weight"));
        }

        TensorSelection.Result result = TensorSelection.Select(tensors.OrderBy(t => t.Name, StringComparer.Ordinal).ToArray(), perRole: 4);

        Assert.Equal(
            [
                "lm_head.weight",
                "model.embed_tokens.weight",
                "model.layers.0.mlp.down_proj.weight",
                "model.layers.0.self_attn.q_proj.weight",
                "model.layers.10.mlp.down_proj.weight",
                "model.layers.10.self_attn.q_proj.weight",
                "model.layers.21.mlp.down_proj.weight",
                "model.layers.21.self_attn.q_proj.weight",
                "model.layers.31.mlp.down_proj.weight",
                "model.layers.31.self_attn.q_proj.weight",
            ],
            result.Selected.Select(t => t.Name));
    }

    [Fact]
    public void Select_IntegerMatrices_AreReportedNotSelected()
    {
        TensorEntry quantized = new("model.layers.0.mlp.up_proj.qweight", TensorDType.I32, [8, 4], "f");

        TensorSelection.Result result = TensorSelection.Select([quantized, Matrix("w")], perRole: 4);

        Assert.Equal(["w"], result.Selected.Select(t => t.Name));
        Assert.Equal([quantized], result.NotFloatingPoint);
    }

    [Fact]
    public void Select_ShuffledInput_GivesTheSameSelection()
    {
        TensorEntry[] tensors = Enumerable.Range(0, 20).Select(i => Matrix($"layers.{i}.attn.weight")).ToArray();

        var forward = TensorSelection.Select(tensors, 3).Selected;
        var backward = TensorSelection.Select(tensors.Reverse().ToArray(), 3).Selected;

        Assert.Equal(forward, backward);
        Assert.Equal(["layers.0.attn.weight", "layers.10.attn.weight", "layers.19.attn.weight"], forward.Select(t => t.Name));
    }

    private static TensorEntry Matrix(string name) => new(name, TensorDType.BF16, [8, 4], "f");

    private static TensorEntry Vector(string name) => new(name, TensorDType.BF16, [8], "f");
}
