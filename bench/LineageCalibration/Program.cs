using System.Globalization;
using TensorGuard.Core.Fingerprints.Lineage;
using TensorGuard.Core.Formats;
using TensorGuard.ModelFactory;

// Calibration of the lineage null (not a test): lineage tests between pairs of models that are unrelated by
// construction, so every small p is a false positive, and between fine-tunes and their base (power). Every pair is
// seeded, so each table is reproducible. Usage:
//   LineageCalibration factory PAIRS       same-family siblings, cross-family pairs, fine-tunes (factory models)
//   LineageCalibration widths PAIRS W...   lazily computed independent inits at hidden W (4 layers), PAIRS each,
//                                          and fine-tunes at 2 % and 20 % (PAIRS / 10 each, at least 5)
//   LineageCalibration real SEEDS          independent pairs at the exact shapes of real models, one line each
//   LineageCalibration diag W PAIRS LAYERS every view-pair z of independent inits (must be standard normal)
// The seeds here are held out: the method was diagnosed and changed on diag's seeds (80,000+ and 90,000+) only.
switch (args)
{
    case ["diag", var w, var n, var l]:
        Diagnose.Run(Int(w), Int(n), Int(l));
        return 0;
    case ["real", var seeds]:
        RealShapes(Int(seeds));
        return 0;
    case ["factory", var n]:
        Table(FactoryGroups(), Int(n));
        return 0;
    case ["widths", var n, .. var widths]:
        Table(WidthGroups(widths.Select(Int).ToArray(), Int(n)), Int(n));
        return 0;
    default:
        Console.Error.WriteLine("usage: LineageCalibration factory PAIRS | widths PAIRS WIDTH... | real SEEDS | diag WIDTH PAIRS LAYERS");
        return 1;
}

static int Int(string text) => int.Parse(text, CultureInfo.InvariantCulture);

static List<Group> FactoryGroups()
{
    ModelFamily[] families = [ModelFamily.Llama, ModelFamily.Qwen2, ModelFamily.Gemma, ModelFamily.Phi3, ModelFamily.Phi4, ModelFamily.Mistral];
    return
    [
        new("same-family siblings (factory, 6 families, independent seeds)", false, null, i =>
        {
            ModelFamily family = families[i % families.Length];
            return (TestModels.Create(family, seed: 10_000 + i), TestModels.Create(family, seed: 20_000 + i));
        }),
        new("cross-family pairs (factory)", false, null, i =>
        {
            ModelFamily first = families[i % families.Length];
            ModelFamily second = families[(i + 1 + (i / families.Length % (families.Length - 1))) % families.Length];
            return (TestModels.Create(first, seed: 30_000 + i), TestModels.Create(second, seed: 40_000 + i));
        }),
        new("positive control: fine-tunes 2% (factory)", true, null, i =>
        {
            TestModel model = TestModels.Create(families[i % families.Length], seed: 70_000 + i);
            return (model, model.FineTune(0.02, seed: i + 1));
        }),
    ];
}

static List<Group> WidthGroups(int[] widths, int pairs)
{
    var groups = new List<Group>();
    int positives = Math.Max(5, pairs / 10);
    foreach (int width in widths)
    {
        var shapes = new ModelShapes($"w{width}", width, width * 7 / 2, 4, 1024, width / 32, width / 128, Tied: false, QkvBias: false);
        groups.Add(new($"independent inits, hidden {width} (lazy)", false, null, i => (new LazyModel(shapes, (ulong)(50_000 + i)), new LazyModel(shapes, (ulong)(60_000 + i)))));
        foreach (double change in (double[])[0.02, 0.2])
        {
            groups.Add(new(string.Create(CultureInfo.InvariantCulture, $"fine-tunes {change:0%}, hidden {width} (lazy)"), true, positives, i =>
            {
                var model = new LazyModel(shapes, (ulong)(70_000 + i));
                return (model, model.FineTune(change, (ulong)(75_000 + i)));
            }));
        }
    }

    return groups;
}

static void Table(List<Group> groups, int pairs)
{
    Console.WriteLine("| Pairs | n | p ≤ 1e-3 | p ≤ 1e-6 | 95 % bound at 1e-3 | verdict derived | smallest p | median log10 p |");
    Console.WriteLine("|---|---|---|---|---|---|---|---|");
    var unrelated = new List<double>();
    foreach (Group group in groups)
    {
        int n = group.Pairs ?? pairs;
        var log10 = new double[n];
        int derived = 0;
        Parallel.For(0, n, i =>
        {
            (ITensorSource baseModel, ITensorSource candidate) = group.Pair(i);
            LineageComparison comparison = new LineageCandidate(candidate).CompareWith(LineageSketcher.Sketch(baseModel));
            log10[i] = comparison.Log10PValue;
            if (comparison.Verdict == LineageVerdict.Derived)
            {
                Interlocked.Increment(ref derived);
            }
        });
        if (!group.Related)
        {
            unrelated.AddRange(log10);
        }

        Console.WriteLine(Row(group.Name, log10, derived));
    }

    if (unrelated.Count > 0)
    {
        Console.WriteLine(Row("all unrelated pairs above", [.. unrelated], unrelated.Count(l => l <= Math.Log10(LineageSettings.DerivedPValue))));
    }
}

static string Row(string name, double[] log10, int derived)
{
    double[] sorted = [.. log10.Order()];
    int n = sorted.Length;
    int atMilli = sorted.Count(l => l <= -3);
    return string.Create(CultureInfo.InvariantCulture,
        $"| {name} | {n} | {Rate(sorted, -3)} | {Rate(sorted, -6)} | {UpperBound(atMilli, n):0.0e0} | {derived} | 10^{sorted[0]:0.00} | {sorted[n / 2]:0.00} |");
}

static string Rate(double[] log10, double threshold)
{
    int count = log10.Count(l => l <= threshold);
    return string.Create(CultureInfo.InvariantCulture, $"{count} ({(double)count / log10.Length:0.####})");
}

// Clopper–Pearson one-sided 95 % upper bound on a rate after k events in n trials (bisection on the binomial CDF).
static double UpperBound(int k, int n)
{
    double low = (double)k / n, high = 1;
    for (int step = 0; step < 60; step++)
    {
        double p = (low + high) / 2;
        double cdf = 0;
        for (int i = 0; i <= k; i++)
        {
            cdf += Math.Exp(LogChoose(n, i) + (i * Math.Log(p)) + ((n - i) * Math.Log(1 - p)));
        }

        (low, high) = cdf > 0.05 ? (p, high) : (low, p);
    }

    return high;
}

static double LogChoose(int n, int k)
{
    double sum = 0;
    for (int i = 1; i <= k; i++)
    {
        sum += Math.Log(n - k + i) - Math.Log(i);
    }

    return sum;
}

// Independent pairs at the exact shapes of real models (the hard negatives of HardNegativeTests), one line each.
static void RealShapes(int seeds)
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
    Console.WriteLine("| Candidate vs base sketch (seed) | verdict | similarity | log10 p | strongest z |");
    Console.WriteLine("|---|---|---|---|---|");
    for (int row = 0; row < pairs.Length; row++)
    {
        (ModelShapes baseShapes, ModelShapes candidateShapes) = pairs[row];

        // Each row its own seeds: lazily computed weights are a hash of (seed, tensor name, index), so two rows whose
        // models share layer names and shapes (Mistral-7B and Llama-3.1-8B) would otherwise compare the same layers.
        ulong block = 1_000 * (ulong)row;
        for (ulong seed = 0; seed < (ulong)seeds; seed++)
        {
            LineageSketch sketch = LineageSketcher.Sketch(new LazyModel(baseShapes, 1 + block + seed));
            LineageComparison comparison = new LineageCandidate(new LazyModel(candidateShapes, 7001 + block + seed)).CompareWith(sketch);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {candidateShapes.Name} vs {baseShapes.Name} ({seed}) | {comparison.Verdict} | {comparison.Similarity:0.000} | {comparison.Log10PValue:0.00} | {(comparison.Matches.Count > 0 ? comparison.Matches[0].ZScore : double.NaN):0.00} |"));
        }
    }
}

/// <summary>A group of pairs: unrelated ones count toward the false-positive rate, related ones toward power.</summary>
internal sealed record Group(string Name, bool Related, int? Pairs, Func<int, (ITensorSource Base, ITensorSource Candidate)> Pair);
