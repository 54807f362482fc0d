using TensorGuard.Core.Formats;

namespace TensorGuard.ModelFactory.Formats;

/// <summary>
/// Writes a factory <see cref="TestModel"/> as llama.cpp would ship it: pass a model already converted
/// with <c>ToGguf()</c> (GGUF names, Q/K rows reordered where llama.cpp does). Matrices whose rows are whole
/// blocks are quantized to the requested type, everything else stays F32, as llama.cpp's quantizer does.
/// </summary>
public static class GgufModelWriter
{
    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> with matrices in <paramref name="dtype"/>.</summary>
    public static void Write(TestModel model, string path, TensorDType dtype = TensorDType.F32)
    {
        Architecture a = model.Architecture;
        string arch = ArchitectureName(model.Family);
        var writer = new GgufWriter()
            .String("general.architecture", arch)
            .String("general.name", model.Card?.ModelName ?? model.Id)
            .UInt32(arch + ".block_count", (uint)a.Layers)
            .UInt32(arch + ".embedding_length", (uint)a.HiddenSize)
            .UInt32(arch + ".feed_forward_length", (uint)a.IntermediateSize)
            .UInt32(arch + ".attention.head_count", (uint)a.AttentionHeads)
            .UInt32(arch + ".attention.head_count_kv", (uint)a.KeyValueHeads);
        if (model.Card?.License is string license)
        {
            writer.String("general.license", license);
        }

        // llama.cpp copies the card's base_model list: name plus, for Hub ids, the repository URL.
        IReadOnlyList<string> bases = model.Card?.BaseModel ?? [];
        if (bases.Count > 0)
        {
            writer.UInt32("general.base_model.count", (uint)bases.Count);
            for (int i = 0; i < bases.Count; i++)
            {
                writer.String($"general.base_model.{i}.name", bases[i].Split('/')[^1]);
                writer.String($"general.base_model.{i}.repo_url", "https://huggingface.co/" + bases[i]);
            }
        }

        foreach (TestTensor tensor in model.Weights)
        {
            long[] shape = tensor.StoredShape.Select(d => (long)d).ToArray();
            bool quantize = shape.Length == 2 && shape[1] % GgufQuantizer.BlockSize(dtype) == 0;
            writer.Tensor(tensor.Name, shape, quantize ? dtype : TensorDType.F32, tensor.StoredValues);
        }

        writer.Write(path);
    }

    /// <summary>llama.cpp's architecture name for a family (Mistral and Phi-4 run as llama and phi3).</summary>
    public static string ArchitectureName(ModelFamily family) => family switch
    {
        ModelFamily.Llama or ModelFamily.Mistral => "llama",
        ModelFamily.Qwen2 => "qwen2",
        ModelFamily.Gemma => "gemma2",
        ModelFamily.Phi3 or ModelFamily.Phi4 => "phi3",
        _ => throw new ArgumentOutOfRangeException(nameof(family), family, "No GGUF architecture."),
    };
}
