using System.Globalization;
using TensorGuard.Core.Fingerprints.Lineage;
using TensorGuard.Core.Formats;
using TensorGuard.ModelFactory;

// Calibration of the lineage null (not a test): lineage tests between pairs of models that are unrelated by
// construction, so every "derived" is a false positive. Usage: LineageCalibration [PAIRS-PER-GROUP] (default 200).
// Groups: trained-like siblings of one family (factory, independent seeds), cross-family pairs (factory), and lazily
// computed independent initialisations at several widths; plus fine-tunes as a positive control. Prints a Markdown
// table (docs/lineage-calibration.md quotes it); every pair is seeded, so the table is reproducible.
// LineageCalibration real: the hard negatives at real shapes (lazily computed), one line per pair.
if (args is ["real"])
{
    RealShapes();
    return 0;
}

int perGroup = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200;
ModelFamily[] families = [ModelFamily.Llama, ModelFamily.Qwen2, ModelFamily.Gemma, ModelFamily.Phi3, ModelFamily.Phi4, ModelFamily.Mistral];
int[] widths = [128, 256, 512, 1024];

var groups = new List<(string Name, bool Related, Func<int, (ITensorSource Base, ITensorSource Candidate)> Pair)>
{
    ("same-family siblings (factory, 6 families, independent seeds)", false, i =>
    {
        ModelFamily family = families[i % families.Length];
        return (TestModels.Create(family, seed: 10_000 + i), TestModels.Create(family, seed: 20_000 + i));
    }),
    ("cross-family pairs (factory)", false, i =>
    {
        ModelFamily first = families[i % families.Length];
        ModelFamily second = families[(i + 1 + (i / families.Length % (families.Length - 1))) % families.Length];
        return (TestModels.Create(first, seed: 30_000 + i), TestModels.Create(second, seed: 40_000 + i));
    }),
};
foreach (int width in widths)
{
    var shapes = new ModelShapes($"w{width}", width, width * 7 / 2, 4, 1024, width / 32, width / 128, Tied: false, QkvBias: false);
    groups.Add(($"independent inits, hidden {width} (lazy)", false, i => (new LazyModel(shapes, (ulong)(50_000 + i)), new LazyModel(shapes, (ulong)(60_000 + i)))));
}

groups.Add(("positive control: fine-tunes 2% (factory)", true, i =>
{
    TestModel model = TestModels.Create(families[i % families.Length], seed: 70_000 + i);
    return (model, model.FineTune(0.02, seed: i + 1));
}));

Console.WriteLine("| Pairs | n | p ≤ 0.05 | p ≤ 1e-3 | p ≤ 1e-6 | verdict derived | smallest p | median log10 p |");
Console.WriteLine("|---|---|---|---|---|---|---|---|");
var unrelated = new List<double>();
foreach ((string name, bool related, Func<int, (ITensorSource Base, ITensorSource Candidate)> pair) in groups)
{
    var log10 = new double[perGroup];
    int derived = 0;
    Parallel.For(0, perGroup, i =>
    {
        (ITensorSource baseModel, ITensorSource candidate) = pair(i);
        LineageComparison comparison = new LineageCandidate(candidate).CompareWith(LineageSketcher.Sketch(baseModel));
        log10[i] = comparison.Log10PValue;
        if (comparison.Verdict == LineageVerdict.Derived)
        {
            Interlocked.Increment(ref derived);
        }
    });
    if (!related)
    {
        unrelated.AddRange(log10);
    }

    Console.WriteLine(Row(name, log10, derived));
}

Console.WriteLine(Row("all unrelated pairs", [.. unrelated], unrelated.Count(l => l <= Math.Log10(LineageSettings.DerivedPValue))));
return 0;

static string Row(string name, double[] log10, int derived)
{
    double[] sorted = [.. log10.Order()];
    int n = sorted.Length;
    return string.Create(CultureInfo.InvariantCulture,
        $"| {name} | {n} | {Rate(sorted, Math.Log10(0.05))} | {Rate(sorted, -3)} | {Rate(sorted, -6)} | {derived} | 10^{sorted[0]:0.00} | {sorted[n / 2]:0.00} |");
}

static string Rate(double[] log10, double threshold)
{
    int count = log10.Count(l => l <= threshold);
    return string.Create(CultureInfo.InvariantCulture, $"{count} ({(double)count / log10.Length:0.####})");
}

// Independent pairs at the exact shapes of real models (the hard negatives of HardNegativeTests), one line each.
static void RealShapes()
{
    (ModelShapes Base, ModelShapes Candidate)[] pairs =
    [
        (ModelShapes.Llama32_1B, ModelShapes.Llama32_1B),
        (ModelShapes.Qwen25_3B, ModelShapes.Qwen25_3B),
        (ModelShapes.Llama31_8B, ModelShapes.Llama31_8B),
        (ModelShapes.Llama31_8B, ModelShapes.Mistral7B),
        (ModelShapes.Llama31_8B, ModelShapes.TinyLlama),
        (ModelShapes.Llama31_8B, ModelShapes.OpenLlama3B),
    ];
    foreach ((ModelShapes baseShapes, ModelShapes candidateShapes) in pairs)
    {
        for (ulong seed = 0; seed < 3; seed++)
        {
            LineageSketch sketch = LineageSketcher.Sketch(new LazyModel(baseShapes, 1 + seed));
            LineageComparison comparison = new LineageCandidate(new LazyModel(candidateShapes, 7001 + seed)).CompareWith(sketch);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {candidateShapes.Name} vs sketch of {baseShapes.Name} (seed {seed}) | {comparison.Verdict} | {comparison.Similarity:0.000} | {comparison.Log10PValue:0.00} | {(comparison.Matches.Count > 0 ? comparison.Matches[0].ZScore : double.NaN):0.00} |"));
        }
    }
}
