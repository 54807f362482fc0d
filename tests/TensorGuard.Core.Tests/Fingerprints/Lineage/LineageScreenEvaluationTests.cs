using System.Globalization;
using System.Text;
using TensorGuard.Core.Fingerprints.Lineage;
using TensorGuard.ModelFactory;

namespace TensorGuard.Core.Tests.Fingerprints.Lineage;

/// <summary>
/// The committed evaluation of the many-bases screen (<see cref="HiddenAlignment.MayAlign"/>): on candidates whose
/// hidden dimension was permuted after another derivation (the only derivations the screen can affect; all others are
/// proven by the sketch comparison, which always runs), the screen must pass every candidate the full search proves,
/// and the verdicts with and without the screen must agree, for derived and unrelated candidates alike.
/// <see cref="HiddenAlignment.ScreenShare"/> was chosen on <see cref="Tuning"/>; <see cref="HeldOut"/> measures it.
/// The full evaluation takes minutes: it runs with TENSORGUARD_SCREEN_EVAL=1 (see docs/catalogue.md for the command
/// and the scores it printed); CI runs one derivation and one negative of it.
/// </summary>
public sealed class LineageScreenEvaluationTests
{
    /// <summary>Derivations the threshold was tuned on, each followed by a permutation of the hidden dimension.</summary>
    public static readonly LineageDerivation[] Tuning =
    [
        new("fine-tune 10%", m => m.FineTune(0.1, seed: 7)),
        new("int8 round trip", m => m.QuantizeInt8()),
        new("vocabulary extended by 25%", m => m.ExtendVocabulary(m.Architecture.VocabSize / 4)),
        new("layer dropped", m => m.DropLayers(1)),
    ];

    /// <summary>Derivations the threshold was not tuned on.</summary>
    public static readonly LineageDerivation[] HeldOut =
    [
        new("merged LoRA rank 64", m => m.MergeLora(64, seed: 7)),
        new("4-bit block round trip", m => m.Quantize4Bit()),
        new("bf16 cast", m => m.CastTo(Core.Formats.TensorDType.BF16)),
        new("vocabulary truncated to 75%", m => m.TruncateVocabulary(m.Architecture.VocabSize * 3 / 4)),
        new("linear merge, first parent", m => m.MergeLinear(m.Reinitialize(seed: 99))),
        new("MLP neurons permuted", m => m.PermuteMlpNeurons(seed: 5)),
        new("GGUF conversion", m => m.ToGguf()),
        new("fine-tune 20% + ONNX export", m => m.FineTune(0.2, seed: 11).ToOnnx()),
    ];

    private sealed record Pair(string Set, string Kind, ModelFamily Family, bool Derivation, double Score, LineageVerdict Direct, LineageVerdict Full, LineageVerdict Screened)
    {
        /// <summary>Proven only by the search for a permuted hidden dimension: what the screen must let through.</summary>
        public bool NeedsSearch => Full == LineageVerdict.Derived && Direct != LineageVerdict.Derived;
    }

    [Fact]
    public void Screen_PermutedFineTuneAndAnUnrelatedBase_KeepTheFullSearchsVerdicts()
    {
        TestModel model = Base(ModelFamily.Llama);
        LineageSketch sketch = LineageSketcher.Sketch(model);

        Pair derived = Evaluate("ci", "fine-tune 10%", ModelFamily.Llama, true, sketch, model.FineTune(0.1, seed: 7).PermuteHidden(seed: 17));
        Pair unrelated = Evaluate("ci", "Mistral base", ModelFamily.Llama, false, sketch, Base(ModelFamily.Mistral));

        Assert.True(derived.NeedsSearch);
        Assert.Equal(LineageVerdict.Derived, derived.Screened);
        Assert.True(derived.Score >= 2 * HiddenAlignment.ScreenShare, $"score {derived.Score}");
        Assert.Equal(unrelated.Full, unrelated.Screened);
        Assert.NotEqual(LineageVerdict.Derived, unrelated.Screened);
    }

    [Fact]
    public void Screen_PermutedDerivations_PassWhereverTheFullSearchProvesThem_AndVerdictsAgree()
    {
        Assert.SkipUnless(Environment.GetEnvironmentVariable("TENSORGUARD_SCREEN_EVAL") == "1", "the screen's full evaluation runs with TENSORGUARD_SCREEN_EVAL=1");
        var pairs = new List<Pair>();
        foreach (ModelFamily family in LineageZoo.Families)
        {
            TestModel model = Base(family);
            LineageSketch sketch = LineageSketcher.Sketch(model);
            foreach ((string set, LineageDerivation[] derivations) in new[] { ("tuning", Tuning), ("held-out", HeldOut) })
            {
                foreach (LineageDerivation derivation in derivations)
                {
                    if (derivation.Apply(model) is { } derived)
                    {
                        pairs.Add(Evaluate(set, derivation.Kind, family, true, sketch, derived.PermuteHidden(seed: 17)));
                    }
                }
            }

            // Unrelated candidates of the same width: an independent initialisation, and other families' bases.
            pairs.Add(Evaluate("negative", "independent initialisation", family, false, sketch, LineageZoo.Independent(model).PermuteHidden(seed: 17)));
            foreach (ModelFamily other in LineageZoo.Families.Where(f => f != family))
            {
                pairs.Add(Evaluate("negative", $"{other} base", family, false, sketch, Base(other)));
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine(Report(pairs));
        Assert.All(pairs, p => Assert.Equal(p.Full, p.Screened));
        Assert.All(pairs.Where(p => !p.Derivation), p => Assert.NotEqual(LineageVerdict.Derived, p.Full));

        // The screen must have been put to the test: held-out derivations that only the search proves.
        Assert.True(pairs.Count(p => p.Set == "held-out" && p.NeedsSearch) >= 10);
    }

    /// <summary>
    /// A base wider than the sketch's 64-feature window (the zoo's 64-wide bases put every feature in the window, where
    /// a permuted hidden dimension is no obstacle), every family at the same width so that they are each other's
    /// hard negatives.
    /// </summary>
    private static TestModel Base(ModelFamily family) =>
        TestModels.Create(Architecture.Default(family) with { HiddenSize = 192, IntermediateSize = 512 }, seed: 3000 + (int)family);

    private static Pair Evaluate(string set, string kind, ModelFamily family, bool derivation, LineageSketch sketch, TestModel candidate)
    {
        LineageSketch own = LineageSketcher.Sketch(candidate, LineageSettings.CandidateViews);
        double score = own.HiddenSize == sketch.HiddenSize
            ? HiddenAlignment.ScreenScore(sketch, new CandidateAnchors(candidate, LineageSketcher.Views(candidate, sketch.HiddenSize, sketch.WindowSize), [sketch]))
            : 0;
        return new Pair(set, kind, family, derivation, score, LineageComparer.Compare(sketch, own).Verdict,
            new LineageCandidate(candidate, screening: false).CompareWith(sketch).Verdict,
            new LineageCandidate(candidate).CompareWith(sketch).Verdict);
    }

    private static string Report(IReadOnlyList<Pair> pairs)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"screen threshold: score >= {HiddenAlignment.ScreenShare} (score = screen quality / alignment threshold)");
        foreach (IGrouping<string, Pair> set in pairs.GroupBy(p => p.Set))
        {
            Pair[] derived = set.Where(p => p.Full == LineageVerdict.Derived).ToArray();
            Pair[] searched = set.Where(p => p.NeedsSearch).ToArray();
            int missed = derived.Count(p => p.Screened != LineageVerdict.Derived);
            text.AppendLine(CultureInfo.InvariantCulture,
                $"{set.Key}: {set.Count()} pairs, score min {set.Min(p => p.Score):0.00} / median {Median(set.Select(p => p.Score)):0.00} / max {set.Max(p => p.Score):0.00}; " +
                $"passed the screen {set.Count(p => p.Score >= HiddenAlignment.ScreenShare)}; proven by the full search {derived.Length}, of which only by the search {searched.Length} " +
                $"(score min {(searched.Length == 0 ? double.NaN : searched.Min(p => p.Score)):0.00}); missed by the screen {missed}; verdicts equal {set.Count(p => p.Full == p.Screened)}");
        }

        foreach (Pair pair in pairs.OrderBy(p => p.Score))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {pair.Set,-8} {pair.Family,-8} {pair.Kind,-32} score {pair.Score:0.000} direct {pair.Direct} full {pair.Full} screened {pair.Screened}");
        }

        return text.ToString();
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length == 0 ? double.NaN : sorted[sorted.Length / 2];
    }
}
