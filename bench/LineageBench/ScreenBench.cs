using System.Diagnostics;
using System.Globalization;
using TensorGuard.Core.Fingerprints.Lineage;
using TensorGuard.ModelFactory;

namespace LineageBench;

/// <summary>
/// The lineage part of `check` against many bases: a lazily generated candidate of Llama-3.2-1B's shapes checked
/// against its own base alone, then against 40 bases of the catalogue's shapes (its base, four other bases of the same
/// width 2048, 35 of other widths), with the screen and without it. Bases have at most 8 layers (their sketches keep 64
/// views, so only their width and vocabulary matter to a check's cost). Prints the median CPU time of each (on a
/// shared machine the stabler measure; wall time in brackets) and whether the verdicts with and without the screen agree.
/// </summary>
internal static class ScreenBench
{
    // Width, intermediate, vocabulary, heads, KV heads, tied: the catalogue's shapes (config.json of each base).
    private static readonly (string Name, int Hidden, int Intermediate, int Vocab, int Heads, int Kv, bool Tied)[] Catalogue =
    [
        ("llama-3.1-8b", 4096, 14336, 128256, 32, 8, false), ("llama-3.1-70b", 8192, 28672, 128256, 64, 8, false),
        ("llama-3.2-3b", 3072, 8192, 128256, 24, 8, true), ("llama-3.3-70b", 8192, 28672, 128256, 64, 8, false),
        ("gemma-2-2b", 2304, 9216, 256000, 8, 4, true), ("gemma-2-9b", 3584, 14336, 256000, 16, 8, true),
        ("gemma-3-1b", 1152, 6912, 262144, 4, 1, true), ("gemma-3-4b", 2560, 10240, 262208, 8, 4, true),
        ("gemma-3-12b", 3840, 15360, 262208, 16, 8, true), ("qwen2.5-0.5b", 896, 4864, 151936, 14, 2, true),
        ("qwen2.5-1.5b", 1536, 8960, 151936, 12, 2, true), ("qwen2.5-3b", 2048, 11008, 151936, 16, 2, true),
        ("qwen2.5-7b", 3584, 18944, 152064, 28, 4, false), ("qwen2.5-14b", 5120, 13824, 152064, 40, 8, false),
        ("qwen2.5-32b", 5120, 27648, 152064, 40, 8, false), ("qwen3-0.6b", 1024, 3072, 151936, 16, 8, true),
        ("qwen3-1.7b", 2048, 6144, 151936, 16, 8, true), ("qwen3-4b", 2560, 9728, 151936, 32, 8, true),
        ("qwen3-8b", 4096, 12288, 151936, 32, 8, false), ("qwen3-14b", 5120, 17408, 151936, 40, 8, false),
        ("qwen3-32b", 5120, 25600, 151936, 64, 8, false), ("mistral-7b-v0.1", 4096, 14336, 32000, 32, 8, false),
        ("mistral-7b-v0.3", 4096, 14336, 32768, 32, 8, false), ("mistral-nemo", 5120, 14336, 131072, 32, 8, false),
        ("phi-3-mini", 3072, 8192, 32064, 32, 32, false), ("phi-3.5-mini", 3072, 8192, 32064, 32, 32, false),
        ("phi-4", 5120, 17920, 100352, 40, 10, false), ("olmo-2-7b", 4096, 11008, 100352, 32, 32, false),
        ("olmo-2-13b", 5120, 13824, 100352, 40, 40, false), ("smollm2-360m", 960, 2560, 49152, 15, 5, true),
        ("smollm2-1.7b", 2048, 8192, 49152, 32, 32, true), ("tinyllama-1.1b", 2048, 5632, 32000, 32, 4, false),
        ("open-llama-3b", 3200, 8640, 32000, 32, 32, false), ("open-llama-7b", 4096, 11008, 32000, 32, 32, false),
        ("llama-3.1-8b-instruct", 4096, 14336, 128256, 32, 8, false), ("qwen2.5-7b-instruct", 3584, 18944, 152064, 28, 4, false),
        ("gemma-2-27b", 4608, 36864, 256000, 32, 16, true), ("mistral-small", 5120, 32768, 32768, 32, 8, false),
        ("phi-3-medium", 5120, 17920, 32064, 40, 10, false),
    ];

    public static void Run(int runs)
    {
        ModelShapes candidateShapes = ModelShapes.Llama32_1B;
        using var candidate = new LazyModel(candidateShapes, 1);
        var watch = Stopwatch.StartNew();
        LineageSketch own = LineageSketcher.Sketch(candidate);
        var sketches = new List<(string Name, LineageSketch Sketch)> { ("llama-3.2-1b (the candidate's base)", own) };
        foreach (var (name, hidden, intermediate, vocab, heads, kv, tied) in Catalogue)
        {
            using var source = new LazyModel(new ModelShapes($"screen-{sketches.Count}", hidden, intermediate, 8, vocab, heads, kv, tied, QkvBias: false), (ulong)(100 + sketches.Count));
            sketches.Add((name, LineageSketcher.Sketch(source)));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{sketches.Count} base sketches ({sketches.Count(s => s.Sketch.HiddenSize == own.HiddenSize)} of width {own.HiddenSize}) in {watch.Elapsed.TotalSeconds:0.0} s"));

        if (Environment.GetEnvironmentVariable("SCREEN_BENCH_PER_BASE") == "1")
        {
            var each = new LineageCandidate(candidate, [.. sketches.Select(s => s.Sketch)]);
            _ = each.Sketch;
            foreach ((string name, LineageSketch sketch) in sketches)
            {
                TimeSpan before = Process.GetCurrentProcess().TotalProcessorTime;
                each.CompareWith(sketch);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name}: {(Process.GetCurrentProcess().TotalProcessorTime - before).TotalSeconds:0.000} s CPU (width {sketch.HiddenSize}, {sketch.Views.Count} views)"));
            }
        }

        LineageSketch[] all = [.. sketches.Select(s => s.Sketch)];
        (double one, double oneWall) = Median(runs, () => Check(candidate, all[..1], screening: true));
        (double screened, double screenedWall) = Median(runs, () => Check(candidate, all, screening: true));
        (double full, double fullWall) = Median(runs, () => Check(candidate, all, screening: false));

        // The reference: no screen, and each base's anchors read on their own (no bases announced), as before the shared reads.
        string[] reference = Results(new LineageCandidate(candidate, bases: null, screening: false), all);
        string[] withScreen = Results(new LineageCandidate(candidate, all), all);
        string[] withoutScreen = Results(new LineageCandidate(candidate, all, screening: false), all);
        string[] verdicts = [.. withScreen.Select(r => r.Split(' ')[0])];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"CPU time of a check against 1 base: {one:0.00} s ({oneWall:0.00} s wall); against {all.Length}: {screened:0.00} s with the screen ({screened / one:0.00}x; {screenedWall:0.00} s wall), " +
            $"{full:0.00} s without ({full / one:0.00}x; {fullWall:0.00} s wall); " +
            $"results (verdict, similarity, p) equal to the unscreened per-base run: with the screen {withScreen.SequenceEqual(reference)}, without {withoutScreen.SequenceEqual(reference)} " +
            $"({string.Join(", ", verdicts.Distinct().Select(v => $"{verdicts.Count(w => w == v)} {v}"))})"));
    }

    private static (double Cpu, double Wall) Check(LazyModel candidate, LineageSketch[] bases, bool screening)
    {
        var watch = Stopwatch.StartNew();
        TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var lineage = new LineageCandidate(candidate, bases, screening);
        foreach (LineageSketch sketch in bases)
        {
            lineage.CompareWith(sketch);
        }

        return ((Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds, watch.Elapsed.TotalSeconds);
    }

    private static string[] Results(LineageCandidate lineage, LineageSketch[] bases) =>
        [.. bases.Select(b => lineage.CompareWith(b)).Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Verdict} {c.Similarity:R} {c.Log10PValue:R} {c.HiddenPermutationUndone}"))];

    private static (double Cpu, double Wall) Median(int runs, Func<(double Cpu, double Wall)> measure)
    {
        (double Cpu, double Wall)[] times = [.. Enumerable.Range(0, runs).Select(_ => measure()).OrderBy(t => t.Cpu)];
        return times[times.Length / 2];
    }
}
