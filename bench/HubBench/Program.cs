using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using HubBench;
using TensorGuard.ModelFactory;
using TensorGuard.Core.Fingerprints.Lineage;
using TensorGuard.Core.Formats;
using TensorGuard.Core.Formats.Hub;
using TensorGuard.Hub.Fake;

// Reading Hub bases by byte ranges (not a test). Usage:
//   serve 1b|8b [safetensors|pytorch]
//                      serve a Llama-3.2-1B- or Llama-3.1-8B-shaped BF16 safetensors file or PyTorch zip checkpoint (values
//                      computed on demand, no disk) as hf://bench/base from the Hub stand-in on loopback; prints the
//                      endpoint, stops when stdin closes
//   sketch ENDPOINT    open hf://bench/base (what inspect reads), then sketch its lineage, in this process
// For each phase: the body bytes and requests the stand-in counted, the share of the file, loopback wall time, and the
// time those bytes take at 50 MB/s. The client runs in its own process so that /usr/bin/time gives its peak RSS alone.
switch (args)
{
    case ["serve", var shapeName, ..var rest] when rest is [] or ["safetensors"] or ["pytorch"]:
    {
        ModelShapes shapes = shapeName switch
        {
            "1b" => ModelShapes.Llama32_1B,
            "8b" => ModelShapes.Llama31_8B,
            _ => throw new ArgumentException($"unknown shape set {shapeName}; use 1b or 8b"),
        };
        bool pytorch = rest is ["pytorch"];
        SyntheticFile file = pytorch ? SyntheticFile.PyTorchZip(shapes) : SyntheticFile.Safetensors(shapes);
        await using FakeHubServer server = await FakeHubServer.StartAsync();
        server.AddRepository("bench/base", new Dictionary<string, HubContent>
        {
            [pytorch ? "pytorch_model.bin" : "model.safetensors"] = new(file.Length, file.Open, Sha256: new string('a', 64)),
            ["config.json"] = new(2, () => new MemoryStream(Encoding.UTF8.GetBytes("{}"))),
        });
        Console.WriteLine(server.Endpoint.AbsoluteUri);
        await Console.In.ReadToEndAsync();
        return 0;
    }

    case ["sketch", var endpoint]:
    {
        using var stats = new HttpClient { BaseAddress = new Uri(endpoint) };
        string cache = Directory.CreateTempSubdirectory("tensorguard-hubbench-").FullName;
        using var client = new HubClient(new HubOptions(new Uri(endpoint), null, cache));
        await stats.PostAsync("_stats", null);
        var watch = Stopwatch.StartNew();
        using LoadedModel model = ModelLoader.Open("hf://bench/base", baseModel: null, client);
        long fileBytes = model.Files.Sum(f => f.Length);
        await Report("open (inspect)", watch, stats, fileBytes);
        watch.Restart();
        LineageSketch sketch = LineageSketcher.Sketch(model);
        await Report($"lineage sketch v{LineageSettings.Version} ({sketch.Views.Count} views, {sketch.Anchors.Count} anchors)", watch, stats, fileBytes);
        Directory.Delete(cache, recursive: true);
        return 0;
    }

    default:
        Console.Error.WriteLine("usage: serve 1b|8b [safetensors|pytorch] | sketch ENDPOINT");
        return 1;
}

static async Task Report(string phase, Stopwatch watch, HttpClient stats, long fileBytes)
{
    TimeSpan elapsed = watch.Elapsed;
    using HttpResponseMessage response = await stats.PostAsync("_stats", null);
    Dictionary<string, long> counts = (await response.Content.ReadFromJsonAsync<Dictionary<string, long>>())!;
    long bytes = counts["bytes"];
    Console.WriteLine($"{phase}: {bytes / 1e6:F1} MB in {counts["requests"] - 1} requests ({100.0 * bytes / fileBytes:F2}% of {fileBytes / 1e9:F2} GB), " +
        $"loopback {elapsed.TotalSeconds:F2} s, at 50 MB/s {bytes / 50e6:F1} s");
}
