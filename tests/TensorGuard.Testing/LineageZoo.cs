using TensorGuard.Core.Formats;

namespace TensorGuard.Testing;

/// <summary>
/// One labelled pair for lineage evaluation: does <see cref="Create"/>'s model derive from <see cref="Parent"/>?
/// Candidates are built on demand so a whole zoo never sits in memory at once.
/// </summary>
/// <param name="Kind">Derivation kind, e.g. <c>fine-tune</c>, <c>independent</c>.</param>
/// <param name="Strength">The strength or variant, e.g. <c>0.1</c>, <c>rank 64</c>.</param>
/// <param name="Parent">The model to test derivation from.</param>
/// <param name="Derived">The ground truth.</param>
/// <param name="Create">Builds the candidate.</param>
public sealed record LineageCase(string Kind, string Strength, TestModel Parent, bool Derived, Func<TestModel> Create)
{
    public override string ToString() => $"{(Derived ? "derived" : "unrelated")}: {Kind} {Strength} vs {Parent.Id}";
}

/// <summary>
/// The factory's zoo for lineage detection (issue 5): every derivation at the strengths a lineage method
/// must survive, and the negatives it must reject.
/// </summary>
public static class LineageZoo
{
    /// <summary>
    /// Derivations of <paramref name="parent"/>: fine-tunes up to 10% relative change, merged LoRA up to rank 64,
    /// int8 / 4-bit / fp8 round trips, f16 / bf16 casts, linear and SLERP merges with an unrelated model of the
    /// same shapes (derived from each parent), vocabulary extension and truncation, a dropped and a duplicated
    /// layer, GGUF and ONNX renaming (ONNX transposed), MLP neuron and hidden-dimension permutations, and a
    /// combination of several.
    /// </summary>
    public static IReadOnlyList<LineageCase> Positives(TestModel parent, long seed = 1)
    {
        TestModel donor = parent.Reinitialize(seed + 1_000_000);
        int layers = parent.Architecture.Layers;
        int vocab = parent.Architecture.VocabSize;
        var cases = new List<LineageCase>();
        void Add(string kind, string strength, Func<TestModel> create, TestModel? other = null) =>
            cases.Add(new LineageCase(kind, strength, other ?? parent, Derived: true, create));

        foreach (double change in new[] { 0.01, 0.05, 0.10 })
        {
            Add("fine-tune", $"{change:0.##}", () => parent.FineTune(change, seed));
        }

        foreach (int rank in new[] { 8, 64 })
        {
            Add("merged LoRA", $"rank {rank}", () => parent.MergeLora(rank, relativeScale: 0.05, seed));
        }

        Add("int8", "per row", parent.QuantizeInt8);
        Add("4-bit", "block 32", () => parent.Quantize4Bit());
        Add("fp8", "E4M3", parent.QuantizeFp8);
        Add("cast", "f16", () => parent.CastTo(TensorDType.F16));
        Add("cast", "bf16", () => parent.CastTo(TensorDType.BF16));
        foreach ((string kind, Func<TestModel> merge) in new (string, Func<TestModel>)[]
        {
            ("linear merge", () => parent.MergeLinear(donor, 0.5)),
            ("SLERP merge", () => parent.MergeSlerp(donor, 0.5)),
        })
        {
            Add(kind, "0.5, first parent", merge);
            Add(kind, "0.5, second parent", merge, donor);
        }

        Add("vocabulary", $"+{vocab / 8}", () => parent.ExtendVocabulary(vocab / 8, seed));
        Add("vocabulary", $"truncated to {vocab * 3 / 4}", () => parent.TruncateVocabulary(vocab * 3 / 4));
        Add("layers", $"dropped {layers / 2}", () => parent.DropLayers(layers / 2));
        Add("layers", $"duplicated {layers / 2}", () => parent.DuplicateLayers(layers / 2));
        Add("renamed", "GGUF", parent.ToGguf);
        Add("renamed", "ONNX, transposed", () => parent.ToOnnx(seed));
        Add("permuted", "MLP neurons", () => parent.PermuteMlpNeurons(seed));
        Add("permuted", "hidden dimension", () => parent.PermuteHidden(seed));
        Add("combined", "fine-tune 0.05, MLP permutation, int8, ONNX",
            () => parent.FineTune(0.05, seed).PermuteMlpNeurons(seed).QuantizeInt8().ToOnnx(seed));
        return cases;
    }

    /// <summary>
    /// Models that do not derive from <paramref name="parent"/>: independently initialised models of identical
    /// shapes (plain, fine-tuned, MLP-permuted, renamed), and the bases of every other family.
    /// </summary>
    public static IReadOnlyList<LineageCase> Negatives(TestModel parent, int independentSeeds = 3, long seed = 1)
    {
        var cases = new List<LineageCase>();
        void Add(string kind, string strength, Func<TestModel> create) =>
            cases.Add(new LineageCase(kind, strength, parent, Derived: false, create));

        for (int i = 0; i < independentSeeds; i++)
        {
            long other = seed + 2_000_000 + i;
            Add("independent", $"seed {other}", () => parent.Reinitialize(other));
        }

        long tuned = seed + 3_000_000;
        Add("independent", "fine-tuned 0.05", () => parent.Reinitialize(tuned).FineTune(0.05, seed));
        Add("independent", "MLP-permuted", () => parent.Reinitialize(tuned).PermuteMlpNeurons(seed));
        Add("independent", "ONNX, transposed", () => parent.Reinitialize(tuned).ToOnnx(seed));
        foreach (ModelFamily family in Enum.GetValues<ModelFamily>().Where(f => f != parent.Family))
        {
            Add("other family", family.ToString(), () => TestModels.Create(family, seed));
        }

        return cases;
    }
}
