// Timings of the test-model factory (not a test): median wall time of creating each family's default
// base, of each derivation on the Llama base, and of writing a model and the demo set.
// Run: dotnet run -c Release --project bench/FactoryBench [repetitions]
using System.Diagnostics;
using System.Globalization;
using TensorGuard.Core.Formats;
using TensorGuard.ModelFactory;
using TensorGuard.ModelFactory.Demo;

int repetitions = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 9;

void Measure(string name, Action action)
{
    action();
    double[] times = Enumerable.Range(0, repetitions).Select(_ =>
    {
        var watch = Stopwatch.StartNew();
        action();
        return watch.Elapsed.TotalMilliseconds;
    }).Order().ToArray();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-40} median {times[times.Length / 2],8:F2} ms"));
}

foreach (ModelFamily family in Enum.GetValues<ModelFamily>())
{
    TestModel model = TestModels.Create(family);
    Measure($"create {family} ({model.ParameterCount:N0} params)", () => TestModels.Create(family));
}

TestModel llama = TestModels.Create(ModelFamily.Llama);
TestModel donor = llama.Reinitialize(2);
Measure("fine-tune 0.1", () => llama.FineTune(0.1));
Measure("merged LoRA rank 64", () => llama.MergeLora(64));
Measure("int8", () => llama.QuantizeInt8());
Measure("4-bit", () => llama.Quantize4Bit());
Measure("fp8", () => llama.QuantizeFp8());
Measure("cast bf16", () => llama.CastTo(TensorDType.BF16));
Measure("SLERP merge", () => llama.MergeSlerp(donor));
Measure("MLP permutation", () => llama.PermuteMlpNeurons());
Measure("hidden permutation", () => llama.PermuteHidden());
Measure("ONNX export", () => llama.ToOnnx());
Measure("GGUF conversion", () => llama.ToGguf());

string directory = Path.Combine(Path.GetTempPath(), "tensorguard-factory-bench");
Measure("save Llama, 3 shards", () => llama.Save(Path.Combine(directory, "llama"), shards: 3));
Measure("demo set (6 models written)", () => DemoSet.Write(Path.Combine(directory, "demo")));
Directory.Delete(directory, recursive: true);

var random = new SeededRandom(1);
var buffer = new float[1_000_000];
Measure("1M Gaussian draws", () => random.FillGaussian(buffer));
