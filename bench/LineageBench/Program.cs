using System.Buffers.Binary;
using System.Diagnostics;
using LineageBench;
using TensorGuard.Core.Fingerprints.Lineage;
using TensorGuard.Core.Formats;
using TensorGuard.Core.Formats.Safetensors;
using TensorGuard.ModelFactory;

// Lineage speed/size benchmark (not a test). Usage:
//   generate DIR 1b|8b [GB]  write random BF16 weights of those shapes as one safetensors file, or as shards of at
//                            most GB gigabytes with a model.safetensors.index.json (as save_pretrained does)
//   sketch MODEL OUT         sketch a model, write the sketch bytes; prints wall time and size
//   check SKETCH MODEL       compare a model's weights with a sketch; prints wall time and verdict
//   synthetic 1b|8b          sketch and check lazily computed weights (no disk), in-process
//   screen RUNS              a 1B-shaped candidate checked against 1 base and against 40 catalogue-shaped bases,
//                            with and without the many-bases screen; median of RUNS runs each
// Peak RSS: run sketch/check under /usr/bin/time -v (see bench/lineage.sh).
switch (args.FirstOrDefault())
{
    case "generate" when args.Length is 3 or 4:
        Generate(args[1], ParseShapes(args[2]), args.Length == 4 ? (long)(double.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) * 1e9) : long.MaxValue);
        break;
    case "sketch" when args.Length == 3:
    {
        var watch = Stopwatch.StartNew();
        using LoadedModel model = ModelLoader.Open(args[1]);
        byte[] bytes = LineageSketchCodec.Encode(LineageSketcher.Sketch(model));
        File.WriteAllBytes(args[2], bytes);
        Console.WriteLine($"sketch: {watch.Elapsed.TotalSeconds:F2} s, {bytes.Length} bytes ({bytes.Length / 1024.0:F1} KiB), parameters {model.ParameterCount}");
        break;
    }

    case "check" when args.Length == 3:
    {
        var watch = Stopwatch.StartNew();
        LineageSketch sketch = LineageSketchCodec.Decode(File.ReadAllBytes(args[1]));
        using LoadedModel model = ModelLoader.Open(args[2]);
        LineageComparison result = LineageComparer.Compare(sketch, model);
        Console.WriteLine($"check: {watch.Elapsed.TotalSeconds:F2} s, {result.Verdict}, log10 p {result.Log10PValue:F1}, similarity {result.Similarity:F3}, {result.ComparableViews} base views vs {result.CandidateViews} candidate views");
        break;
    }

    case "synthetic" when args.Length == 2:
    {
        ModelShapes shapes = ParseShapes(args[1]);
        using var baseModel = new LazyModel(shapes, 1);
        using var candidate = new LazyModel(shapes, 2);
        var watch = Stopwatch.StartNew();
        TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime;
        LineageSketch sketch = LineageSketcher.Sketch(baseModel);
        string sketchTime = Lap(watch, ref cpu);
        int size = LineageSketchCodec.Encode(sketch).Length;
        LineageComparison self = LineageComparer.Compare(sketch, baseModel);
        string selfTime = Lap(watch, ref cpu);
        LineageComparison other = LineageComparer.Compare(sketch, candidate);
        Console.WriteLine($"{args[1]}: parameters {baseModel.Tensors.Sum(t => t.ElementCount)}, sketch {sketchTime} ({size / 1024.0:F1} KiB, {sketch.Views.Count} views), " +
            $"check self {selfTime} ({self.Verdict}), check unrelated {Lap(watch, ref cpu)} ({other.Verdict}, log10 p {other.Log10PValue:F2})");
        break;
    }

    case "screen" when args.Length == 2:
        ScreenBench.Run(int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture));
        break;

    default:
        Console.Error.WriteLine("usage: generate DIR 1b|8b [SHARD_GB] | sketch MODEL OUT | check SKETCH MODEL | synthetic 1b|8b | screen RUNS");
        return 1;
}

return 0;

// Wall and CPU seconds since the last lap: on a shared machine CPU time is the stabler of the two.
static string Lap(Stopwatch watch, ref TimeSpan cpu)
{
    TimeSpan now = Process.GetCurrentProcess().TotalProcessorTime;
    string text = $"{watch.Elapsed.TotalSeconds:F2} s wall / {(now - cpu).TotalSeconds:F2} s CPU";
    cpu = now;
    watch.Restart();
    return text;
}

static ModelShapes ParseShapes(string name) => name switch
{
    "1b" => ModelShapes.Llama32_1B,
    "8b" => ModelShapes.Llama31_8B,
    _ => throw new ArgumentException($"unknown shape set {name}; use 1b or 8b", nameof(name)),
};

static void Generate(string directory, ModelShapes shapes, long maxShardBytes)
{
    Directory.CreateDirectory(directory);
    using var source = new LazyModel(shapes, 1);
    Dictionary<string, TensorEntry> entries = source.Tensors.ToDictionary(t => t.Name);
    var layouts = shapes.Tensors().Select(t => new SafetensorsWriter.Layout(t.Name, TensorDType.BF16, t.Shape)).OrderBy(t => t.Name, StringComparer.Ordinal).ToList();

    // Tensors in name order, a new shard whenever the next tensor would pass the limit.
    var shards = new List<List<SafetensorsWriter.Layout>> { new() };
    long shardBytes = 0;
    foreach (SafetensorsWriter.Layout layout in layouts)
    {
        if (shardBytes > 0 && shardBytes + layout.ByteLength > maxShardBytes)
        {
            shards.Add([]);
            shardBytes = 0;
        }

        shards[^1].Add(layout);
        shardBytes += layout.ByteLength;
    }

    var block = new float[1 << 20];
    var raw = new byte[block.Length * 2];
    var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
    for (int i = 0; i < shards.Count; i++)
    {
        string name = shards.Count == 1 ? "model.safetensors" : $"model-{i + 1:D5}-of-{shards.Count:D5}.safetensors";
        string path = Path.Combine(directory, name);
        SafetensorsWriter.Write(path, shards[i], (layout, stream) =>
        {
            TensorEntry entry = entries[layout.Name];
            for (long start = 0; start < entry.ElementCount; start += block.Length)
            {
                int count = (int)Math.Min(block.Length, entry.ElementCount - start);
                source.ReadFloat32(entry, start, block.AsSpan(0, count));
                for (int j = 0; j < count; j++)
                {
                    BinaryPrimitives.WriteUInt16LittleEndian(raw.AsSpan(2 * j), (ushort)(BitConverter.SingleToUInt32Bits(block[j]) >> 16));
                }

                stream.Write(raw, 0, 2 * count);
            }
        });
        shards[i].ForEach(layout => weightMap[layout.Name] = name);
        Console.WriteLine($"wrote {new FileInfo(path).Length} bytes to {path}");
    }

    if (shards.Count > 1)
    {
        var index = new { metadata = new { total_size = layouts.Sum(t => t.ByteLength) }, weight_map = weightMap };
        File.WriteAllText(Path.Combine(directory, "model.safetensors.index.json"), System.Text.Json.JsonSerializer.Serialize(index));
    }
}
