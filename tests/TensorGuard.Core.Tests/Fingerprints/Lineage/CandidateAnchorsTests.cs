using TensorGuard.Core.Fingerprints.Lineage;
using TensorGuard.Core.Formats;
using TensorGuard.ModelFactory;

namespace TensorGuard.Core.Tests.Fingerprints.Lineage;

/// <summary>
/// The candidate's anchor views read once for many bases (<see cref="CandidateAnchors"/>): the comparisons come out
/// exactly as when each base is compared on its own with the full search, and announcing the bases reads fewer values than
/// meeting them one by one.
/// </summary>
public sealed class CandidateAnchorsTests
{
    /// <summary>Reads passed through and counted.</summary>
    private sealed class CountingSource(ITensorSource inner) : ITensorSource
    {
        public long ValuesRead { get; private set; }

        public IReadOnlyList<TensorEntry> Tensors => inner.Tensors;

        public void ReadFloat32(TensorEntry tensor, long firstElement, Span<float> destination)
        {
            inner.ReadFloat32(tensor, firstElement, destination);
            ValuesRead += destination.Length;
        }

        public void Dispose()
        {
        }
    }

    [Fact]
    public void CompareWith_AnnouncedBasesOfOneWidthAndSeveralVocabularies_GivesEachBasesOwnResult_FromFewerReads()
    {
        // Wider than the 64-feature window, so that the permuted candidate is found only by the search the anchors feed.
        TestModel llama = Base(ModelFamily.Llama);
        TestModel candidate = llama.FineTune(0.1, seed: 7).PermuteHidden(seed: 17);
        LineageSketch[] bases =
        [
            LineageSketcher.Sketch(Base(ModelFamily.Mistral)),
            LineageSketcher.Sketch(llama.TruncateVocabulary(llama.Architecture.VocabSize / 2)),
            LineageSketcher.Sketch(Base(ModelFamily.Qwen2)),
            LineageSketcher.Sketch(llama),
        ];
        Assert.True(bases.Select(b => b.Anchors[0].Tokens[^1]).Distinct().Count() >= 2, "the bases' anchors should name different tokens");

        string[] reference = [.. bases.Select(b => Result(new LineageCandidate(candidate, screening: false).CompareWith(b)))];
        var unannounced = new CountingSource(candidate);
        var oneByOne = new LineageCandidate(unannounced);
        string[] eachOneByOne = [.. bases.Select(b => Result(oneByOne.CompareWith(b)))];
        var announced = new CountingSource(candidate);
        var together = new LineageCandidate(announced, bases);
        string[] eachTogether = [.. bases.Select(b => Result(together.CompareWith(b)))];

        Assert.Equal(reference, eachOneByOne);
        Assert.Equal(reference, eachTogether);
        Assert.StartsWith("Derived True", eachTogether[^1], StringComparison.Ordinal);
        Assert.True(announced.ValuesRead < unannounced.ValuesRead, $"{announced.ValuesRead} values read with the bases announced, {unannounced.ValuesRead} without");
    }

    private static TestModel Base(ModelFamily family) =>
        TestModels.Create(Architecture.Default(family) with { HiddenSize = 192, IntermediateSize = 512 }, seed: 3000 + (int)family);

    private static string Result(LineageComparison comparison) =>
        FormattableString.Invariant($"{comparison.Verdict} {comparison.HiddenPermutationUndone} {comparison.Similarity:R} {comparison.Log10PValue:R}");
}
