using TensorGuard.Core.Formats;
using TensorGuard.ModelFactory;

namespace TensorGuard.Core.Tests.Fingerprints.Lineage;

/// <summary>A derivation the lineage method must see through, at the strength issue 5 states.</summary>
/// <param name="Kind">Name in reports and test cases.</param>
/// <param name="Apply">Derives a candidate from a base (null when the derivation does not apply to that architecture).</param>
/// <param name="NeedsWeights">True when only a check against the candidate's weights, not its sketch, is expected to see it.</param>
public sealed record LineageDerivation(string Kind, Func<TestModel, TestModel?> Apply, bool NeedsWeights = false)
{
    public override string ToString() => Kind;
}

/// <summary>The factory zoo the lineage method is evaluated on: bases of five families and every derivation kind.</summary>
public static class LineageZoo
{
    public static readonly ModelFamily[] Families = [ModelFamily.Llama, ModelFamily.Qwen2, ModelFamily.Gemma, ModelFamily.Phi3, ModelFamily.Mistral];

    public static readonly LineageDerivation[] Derivations =
    [
        new("fine-tune 10%", m => m.FineTune(0.1, seed: 7)),
        new("merged LoRA rank 64", m => m.MergeLora(64, seed: 7)),
        new("merged LoRA rank 64 at 5%", m => m.MergeLora(64, relativeScale: 0.05, seed: 7)),
        new("int8 round trip", m => m.QuantizeInt8()),
        new("4-bit block round trip", m => m.Quantize4Bit()),
        new("fp8 round trip", m => m.QuantizeFp8()),
        new("f16 cast", m => m.CastTo(TensorDType.F16)),
        new("bf16 cast", m => m.CastTo(TensorDType.BF16)),
        new("linear merge, first parent", m => m.MergeLinear(Partner(m))),
        new("linear merge, second parent", m => Partner(m).MergeLinear(m)),
        new("SLERP merge, first parent", m => m.MergeSlerp(Partner(m))),
        new("SLERP merge, second parent", m => Partner(m).MergeSlerp(m)),
        new("vocabulary extended by 25%", m => m.ExtendVocabulary(m.Architecture.VocabSize / 4)),
        new("vocabulary truncated to 75%", m => m.TruncateVocabulary(m.Architecture.VocabSize * 3 / 4)),
        new("layer dropped", m => m.DropLayers(1)),
        new("layer duplicated", m => m.DuplicateLayers(2)),
        new("GGUF conversion", m => m.ToGguf()),
        new("ONNX export", m => m.ToOnnx()),
        new("transposed storage", m => m.TransposeLinear()),
        new("MLP neurons permuted", m => m.PermuteMlpNeurons(seed: 5)),
        new("GGUF rotary Q/K row reorder", m => m.Architecture.FusedProjections ? null : m.PermuteRotaryForGguf()),
        new("fine-tune + permute + 4-bit + ONNX", m => m.FineTune(0.1, seed: 3).PermuteMlpNeurons(seed: 4).Quantize4Bit().ToOnnx()),
        new("hidden dimension permuted (stretch)", m => m.PermuteHidden(seed: 5), NeedsWeights: true),
    ];

    /// <summary>
    /// Base <paramref name="index"/> of <paramref name="family"/>. Seeds differ between families on purpose:
    /// the factory keys weights by (seed, role), so equal seeds give equal tensors wherever two families share
    /// a shape, and such models are, by their weights, derived from each other.
    /// </summary>
    public static TestModel Base(ModelFamily family, int index) => TestModels.Create(family, (1000 * ((int)family + 1)) + index);

    /// <summary>An independently initialised model of the same shapes: the hard negative.</summary>
    public static TestModel Independent(TestModel model) => model.Reinitialize(seed: 424242);

    /// <summary>The other parent of a merge: independent of <paramref name="model"/>, same shapes.</summary>
    private static TestModel Partner(TestModel model) => model.Reinitialize(seed: 99);
}
