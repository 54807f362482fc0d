using TensorGuard.Core.Fingerprints;
using TensorGuard.Core.Fingerprints.Gradient;

namespace TensorGuard.Core.Tests.Fingerprints;

public sealed class LayerTypeClassifierTests
{
    [Theory]
    [InlineData("model.layers.3.self_attn.q_proj.weight", LayerType.Attention)]
    [InlineData("model.layers.3.self_attn.qkv_proj.weight", LayerType.Attention)]
    [InlineData("model.layers.3.mlp.gate_up_proj.weight", LayerType.FeedForward)]
    [InlineData("model.layers.3.mlp.down_proj.weight", LayerType.FeedForward)]
    [InlineData("model.embed_tokens.weight", LayerType.Embedding)]
    [InlineData("lm_head.weight", LayerType.Embedding)]
    [InlineData("model.layers.3.post_attention_layernorm.weight", LayerType.Norm)]
    [InlineData("model.layers.3.pre_feedforward_layernorm.weight", LayerType.Norm)]
    [InlineData("h.11.attn.c_attn.weight", LayerType.Attention)]
    [InlineData("h.11.attn.c_proj.weight", LayerType.Attention)]
    [InlineData("h.11.mlp.c_fc.weight", LayerType.FeedForward)]
    [InlineData("h.11.mlp.c_proj.weight", LayerType.FeedForward)]
    [InlineData("wte.weight", LayerType.Embedding)]
    [InlineData("h.0.ln_1.weight", LayerType.Norm)]
    [InlineData("transformer.h.0.self_attention.query_key_value.weight", LayerType.Attention)]
    [InlineData("gpt_neox.layers.0.mlp.dense_h_to_4h.weight", LayerType.FeedForward)]
    [InlineData("layers.0.attention.wq.weight", LayerType.Attention)]
    [InlineData("layers.0.feed_forward.w1.weight", LayerType.FeedForward)]
    [InlineData("tok_embeddings.weight", LayerType.Embedding)]
    [InlineData("model.layers.0.block_sparse_moe.experts.7.w2.weight", LayerType.FeedForward)]
    [InlineData("encoder.layer.0.attention.self.query.weight", LayerType.Attention)]
    [InlineData("encoder.layer.0.intermediate.dense.weight", LayerType.FeedForward)]
    [InlineData("blk.0.attn_q.weight", LayerType.Attention)]
    [InlineData("blk.0.attn_output.weight", LayerType.Attention)]
    [InlineData("blk.0.ffn_gate.weight", LayerType.FeedForward)]
    [InlineData("blk.0.attn_norm.weight", LayerType.Norm)]
    [InlineData("blk.0.ffn_norm.weight", LayerType.Norm)]
    [InlineData("token_embd.weight", LayerType.Embedding)]
    [InlineData("output.weight", LayerType.Embedding)]
    [InlineData("output_norm.weight", LayerType.Norm)]
    [InlineData("onnx::MatMul_788", LayerType.Other)]
    [InlineData("model.layers.0.mixer.in_proj.weight", LayerType.Other)]
    public void Classify_NamesOfEveryFamily_GiveTheRole(string name, LayerType expected)
    {
        Assert.Equal(expected, LayerTypeClassifier.Classify(name));
    }
}
