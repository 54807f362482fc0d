using System.Globalization;
using System.Text;
using System.Text.Json;
using TensorGuard.Core.Formats.Safetensors;

namespace TensorGuard.ModelFactory;

/// <summary>Where <see cref="TestModel.Save"/> put a model: pass <see cref="Directory"/> to <c>ModelLoader.Open</c>.</summary>
public sealed record SavedModel(string Directory, IReadOnlyList<string> WeightFiles, string? IndexFile, string? CardFile, string? ConfigFile);

/// <summary>
/// Writes a <see cref="TestModel"/> as a Hugging Face folder: <c>model.safetensors</c>, or shards
/// <c>model-0000k-of-0000n.safetensors</c> split in name order at roughly equal byte sizes plus
/// <c>model.safetensors.index.json</c>; <c>README.md</c> and <c>config.json</c> when the model has them.
/// Output is byte-identical for identical models.
/// </summary>
public static class ModelWriter
{
    private static readonly Dictionary<string, string> Metadata = new() { ["format"] = "pt" };

    public static SavedModel Save(TestModel model, string directory, int shards = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        if (shards > model.Weights.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(shards), $"{model.Weights.Count} tensors cannot fill {shards} shards.");
        }

        Directory.CreateDirectory(directory);
        SafetensorsWriter.Tensor[] tensors = model.Weights
            .Select(t => new SafetensorsWriter.Tensor(t.Name, model.DType, t.StoredShape.Select(d => (long)d).ToArray(), StorageDTypes.Encode(model.DType, t.StoredValues)))
            .ToArray();
        var files = new List<string>();
        string? index = null;
        if (shards == 1)
        {
            string path = Path.Combine(directory, "model.safetensors");
            SafetensorsWriter.Write(path, tensors, Metadata);
            files.Add(path);
        }
        else
        {
            var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
            List<SafetensorsWriter.Tensor>[] groups = Split(tensors, shards);
            for (int k = 0; k < shards; k++)
            {
                string name = string.Create(CultureInfo.InvariantCulture, $"model-{k + 1:D5}-of-{shards:D5}.safetensors");
                string path = Path.Combine(directory, name);
                SafetensorsWriter.Write(path, groups[k], Metadata);
                files.Add(path);
                groups[k].ForEach(t => weightMap[t.Name] = name);
            }

            index = WriteText(directory, SafetensorsIndex.FileName, IndexJson(tensors.Sum(t => (long)t.Data.Length), weightMap));
        }

        string? card = WriteText(directory, "README.md", model.Card?.Render());
        string? config = WriteText(directory, "config.json", model.Config?.Render());
        return new SavedModel(directory, files, index, card, config);
    }

    // Consecutive groups in name order, each closed once it reaches its share of the bytes; every shard
    // keeps at least one tensor.
    private static List<SafetensorsWriter.Tensor>[] Split(SafetensorsWriter.Tensor[] tensors, int shards)
    {
        SafetensorsWriter.Tensor[] ordered = tensors.OrderBy(t => t.Name, StringComparer.Ordinal).ToArray();
        long total = ordered.Sum(t => (long)t.Data.Length);
        var groups = Enumerable.Range(0, shards).Select(_ => new List<SafetensorsWriter.Tensor>()).ToArray();
        long written = 0;
        int shard = 0;
        for (int i = 0; i < ordered.Length; i++)
        {
            int remainingTensors = ordered.Length - i;
            int remainingShards = shards - shard - 1;
            bool full = groups[shard].Count > 0 && written >= total * (shard + 1) / shards;
            if (remainingShards > 0 && (full || remainingTensors == remainingShards))
            {
                shard++;
            }

            groups[shard].Add(ordered[i]);
            written += ordered[i].Data.Length;
        }

        return groups;
    }

    private static string IndexJson(long totalSize, SortedDictionary<string, string> weightMap)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartObject("metadata");
            json.WriteNumber("total_size", totalSize);
            json.WriteEndObject();
            json.WriteStartObject("weight_map");
            foreach ((string tensor, string shard) in weightMap)
            {
                json.WriteString(tensor, shard);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    internal static string? WriteText(string directory, string name, string? text)
    {
        if (text is null)
        {
            return null;
        }

        string path = Path.Combine(directory, name);
        File.WriteAllText(path, text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        return path;
    }
}
