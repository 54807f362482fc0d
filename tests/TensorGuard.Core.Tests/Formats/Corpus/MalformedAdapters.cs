using System.Text;
using System.Text.Json.Nodes;
using TensorGuard.Core.Formats;
using TensorGuard.Core.Formats.Safetensors;
using TensorGuard.ModelFactory;

namespace TensorGuard.Tests.Corpus;

/// <summary>A malformed PEFT adapter: how to create it (returning the adapter path and the base to merge into) and a fragment the error must contain.</summary>
public sealed record MalformedAdapter(string Fragment, Func<TestDirectory, (string Adapter, string? Base)> Create);

/// <summary>
/// The corpus of malformed LoRA adapters, generated from a valid factory adapter by one mutation each (config, weights,
/// files or the base they are merged into). Shared by the Core tests (exception and message) and the CLI tests
/// (exit code 3, one stderr line).
/// </summary>
public static class MalformedAdapters
{
    private const int Rank = 4;

    public static IReadOnlyDictionary<string, MalformedAdapter> All { get; } = new Dictionary<string, MalformedAdapter>
    {
        ["config-not-json"] = new("adapter_config.json is not valid JSON", d => RawConfig(d, "{\"r\": 8,")),
        ["config-not-object"] = new("must be a JSON object, found Array", d => RawConfig(d, "[8, 16]")),
        ["config-invalid-utf8"] = new("adapter_config.json is not valid UTF-8", d => RawConfig(d, [.. "{\"base_model_name_or_path\":\""u8, 0xC3, 0x28, .. "\"}"u8])),
        ["config-deeply-nested"] = new("adapter_config.json is not valid JSON", d => RawConfig(d, new StringBuilder().Insert(0, "{\"a\":", 1000).Append('1').Append('}', 1000).ToString())),
        ["config-huge"] = new("over the 1048576-byte limit", d => RawConfig(d, "{\"r\":8," + new string(' ', 2 << 20) + "}")),
        ["config-missing"] = new("holds PEFT adapter weights but no adapter_config.json", d => Valid(d, deleteConfig: true, pointAtWeights: true)),
        ["rank-missing"] = new("has no \"r\"", d => Config(d, c => c.Remove("r"))),
        ["rank-zero"] = new("r must be an integer from 1 to 65536, found 0", d => Config(d, c => c["r"] = 0)),
        ["rank-negative"] = new("r must be an integer from 1 to 65536, found -4", d => Config(d, c => c["r"] = -4)),
        ["rank-huge"] = new("r must be an integer from 1 to 65536, found 1000000000000", d => Config(d, c => c["r"] = 1_000_000_000_000)),
        ["rank-fractional"] = new("r must be an integer from 1 to 65536, found 4.5", d => Config(d, c => c["r"] = 4.5)),
        ["rank-string"] = new("r must be an integer from 1 to 65536, found \"4\"", d => Config(d, c => c["r"] = "4")),
        ["rank-disagrees-with-tensors"] = new("gives it rank 8; expected A [8, in]", d => Config(d, c => c["r"] = 8)),
        ["rank-pattern-zero"] = new("rank_pattern[\"q_proj\"] must be an integer", d => Config(d, c => c["rank_pattern"] = new JsonObject { ["q_proj"] = 0 })),
        ["alpha-missing"] = new("has no \"lora_alpha\"", d => Config(d, c => c.Remove("lora_alpha"))),
        ["alpha-string"] = new("lora_alpha must be a finite number, found \"16\"", d => Config(d, c => c["lora_alpha"] = "16")),
        ["alpha-overflow"] = new("lora_alpha must be a finite number, found 1e999", d => RawConfig(d, "{\"r\":4,\"lora_alpha\":1e999,\"target_modules\":[\"q_proj\"]}")),
        ["alpha-nan-literal"] = new("adapter_config.json is not valid JSON", d => RawConfig(d, "{\"r\":4,\"lora_alpha\":NaN}")),
        ["peft-type-other"] = new("only LoRA adapters (peft_type LORA)", d => Config(d, c => c["peft_type"] = "IA3")),
        ["dora"] = new("DoRA adapters", d => Config(d, c => c["use_dora"] = true)),
        ["fan-in-fan-out-string"] = new("fan_in_fan_out must be true or false", d => Config(d, c => c["fan_in_fan_out"] = "yes")),
        ["target-modules-number"] = new("target_modules must be a list of module names", d => Config(d, c => c["target_modules"] = 5)),
        ["weights-missing"] = new("but no adapter weights", d => Valid(d, deleteWeights: true)),
        ["weights-not-a-model-file"] = new("too short for safetensors", d => Weights(d, bytes: [1, 2, 3])),
        ["weights-without-lora"] = new("holds no lora_A/lora_B tensors", d => Tensors(d, tensors => tensors.Where(t => !t.Name.Contains("lora_", StringComparison.Ordinal)).Append(F32("base_model.model.lm_head.weight", [2, 2])))),
        ["lora-b-missing"] = new("has lora_A but no lora_B", d => Tensors(d, tensors => tensors.Where(t => t.Name != "base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight"))),
        ["lora-a-missing"] = new("has lora_B but no lora_A", d => Tensors(d, tensors => tensors.Where(t => t.Name != "base_model.model.model.layers.0.mlp.up_proj.lora_A.weight"))),
        ["factor-rank-mismatch"] = new("module \"model.layers.0.self_attn.q_proj\": lora_A is [3, 64]", d => Tensors(d, tensors => Replace(tensors, "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", F32("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", [3, 64])))),
        ["factor-three-dimensional"] = new("convolution LoRA is not supported", d => Tensors(d, tensors => Replace(tensors, "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", F32("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", [Rank, 64, 1])))),
        ["factor-integer"] = new("LoRA factors are non-empty floating-point matrices", d => Tensors(d, tensors => Replace(tensors, "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", new SafetensorsWriter.Tensor("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", TensorDType.I32, [Rank, 64], new byte[Rank * 64 * 4])))),
        ["factor-nan"] = new("holds NaN or infinite values", d => Tensors(d, tensors => Replace(tensors, "base_model.model.model.layers.2.mlp.down_proj.lora_B.weight", F32("base_model.model.model.layers.2.mlp.down_proj.lora_B.weight", [64, Rank], float.NaN)))),
        ["factor-infinite"] = new("holds NaN or infinite values", d => Tensors(d, tensors => Replace(tensors, "base_model.model.model.layers.2.mlp.down_proj.lora_A.weight", F32("base_model.model.model.layers.2.mlp.down_proj.lora_A.weight", [Rank, 224], float.PositiveInfinity)))),
        ["factor-twice"] = new("has two lora_A tensors", d => Tensors(d, tensors => tensors.Append(F32("base_model.model.model.layers.0.self_attn.q_proj.lora_A.default.weight", [Rank, 64])))),
        ["unknown-lora-part"] = new("unknown LoRA part \"lora_C\"", d => Tensors(d, tensors => tensors.Append(F32("base_model.model.model.layers.0.self_attn.q_proj.lora_C.weight", [Rank, 64])))),
        ["dora-magnitude"] = new("is a DoRA magnitude vector", d => Tensors(d, tensors => tensors.Append(F32("base_model.model.model.layers.0.self_attn.q_proj.lora_magnitude_vector", [64])))),
        ["lora-bias"] = new("LoRA biases and nameless modules are not supported", d => Tensors(d, tensors => tensors.Append(F32("base_model.model.model.layers.0.self_attn.q_proj.lora_B.bias", [64])))),
        ["module-absent-from-base"] = new("adapts \"model.layers.9.mlp.down_proj.weight\", which", d => Tensors(d, tensors => tensors.Select(t => Rename(t, "layers.3.", "layers.9.")))),
        ["shape-mismatch-with-base"] = new("but base tensor \"model.layers.0.mlp.gate_proj.weight\" is [224, 64]; the adapter was not trained on this base", d => Tensors(d, tensors => tensors
            .Select(t => t.Name == "base_model.model.model.layers.0.mlp.gate_proj.lora_B.weight" ? F32(t.Name, [200, Rank]) : t))),
        ["fan-in-fan-out-wrong"] = new("so fan_in_fan_out should be false", d => Config(d, c => c["fan_in_fan_out"] = true)),
        ["replaced-tensor-wrong-shape"] = new("replaces base tensor \"lm_head.weight\"", d => Tensors(d, tensors => tensors.Append(F32("base_model.model.lm_head.weight", [3, 64])))),
        ["replaced-tensor-unknown"] = new("adapts \"model.vision_tower.patch.weight\", which", d => Tensors(d, tensors => tensors.Append(F32("base_model.model.model.vision_tower.patch.weight", [3, 64])))),
        ["config-link-escapes"] = new("a link that leads outside the model's folder", d => LinkOutside(d, "adapter_config.json")),
        ["weights-link-escapes"] = new("a link that leads outside the model's folder", d => LinkOutside(d, "adapter_model.safetensors")),
        ["base-is-an-adapter"] = new("is itself a PEFT adapter", d => Valid(d) is var valid ? (valid.Adapter, valid.Adapter) : default),
        ["no-base"] = new("was not analysed: its base model's weights are needed", d => (Valid(d).Adapter, null)),
    };

    /// <summary>A valid adapter (rank 4, every linear projection of a small Llama) and the base it was trained on.</summary>
    public static (string Adapter, string Base) Valid(TestDirectory d, bool deleteConfig = false, bool deleteWeights = false, bool pointAtWeights = false)
    {
        TestModel model = TestModels.Create(ModelFamily.Llama, seed: 1);
        string basePath = model.Save(d.File("base")).Directory;
        SavedAdapter saved = model.TrainLora(Rank).Save(d.File("adapter"));
        if (deleteConfig)
        {
            File.Delete(saved.ConfigFile);
        }

        if (deleteWeights)
        {
            File.Delete(saved.WeightsFile);
        }

        return (pointAtWeights ? saved.WeightsFile : saved.Directory, basePath);
    }

    private static (string, string?) RawConfig(TestDirectory d, string json) => RawConfig(d, Encoding.UTF8.GetBytes(json));

    private static (string, string?) RawConfig(TestDirectory d, byte[] json)
    {
        (string adapter, string basePath) = Valid(d);
        File.WriteAllBytes(Path.Combine(adapter, "adapter_config.json"), json);
        return (adapter, basePath);
    }

    private static (string, string?) Config(TestDirectory d, Action<JsonObject> change)
    {
        (string adapter, string basePath) = Valid(d);
        string path = Path.Combine(adapter, "adapter_config.json");
        JsonObject config = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        change(config);
        File.WriteAllText(path, config.ToJsonString());
        return (adapter, basePath);
    }

    private static (string, string?) Weights(TestDirectory d, byte[] bytes)
    {
        (string adapter, string basePath) = Valid(d);
        File.WriteAllBytes(Path.Combine(adapter, "adapter_model.safetensors"), bytes);
        return (adapter, basePath);
    }

    private static (string, string?) Tensors(TestDirectory d, Func<IEnumerable<SafetensorsWriter.Tensor>, IEnumerable<SafetensorsWriter.Tensor>> change)
    {
        (string adapter, string basePath) = Valid(d);
        string path = Path.Combine(adapter, "adapter_model.safetensors");
        var tensors = new List<SafetensorsWriter.Tensor>();
        using (SafetensorsFile file = SafetensorsFile.Open(path))
        {
            foreach (TensorEntry entry in file.Tensors)
            {
                var values = new float[entry.ElementCount];
                file.ReadFloat32(entry, 0, values);
                tensors.Add(new SafetensorsWriter.Tensor(entry.Name, TensorDType.F32, [.. entry.Shape], StorageDTypes.Encode(TensorDType.F32, values)));
            }
        }

        SafetensorsWriter.Write(path, change(tensors).ToArray());
        return (adapter, basePath);
    }

    private static (string, string?) LinkOutside(TestDirectory d, string name)
    {
        (string adapter, string basePath) = Valid(d);
        string inside = Path.Combine(adapter, name);
        string outside = d.File("outside-" + name);
        File.Move(inside, outside);
        File.CreateSymbolicLink(inside, outside);
        return (adapter, basePath);
    }

    private static IEnumerable<SafetensorsWriter.Tensor> Replace(IEnumerable<SafetensorsWriter.Tensor> tensors, string name, SafetensorsWriter.Tensor replacement) =>
        tensors.Select(t => t.Name == name ? replacement : t);

    private static SafetensorsWriter.Tensor Rename(SafetensorsWriter.Tensor tensor, string from, string to) =>
        tensor with { Name = tensor.Name.Replace(from, to, StringComparison.Ordinal) };

    private static SafetensorsWriter.Tensor F32(string name, long[] shape, float value = 0.01f) =>
        new(name, TensorDType.F32, shape, StorageDTypes.Encode(TensorDType.F32, Enumerable.Repeat(value, (int)shape.Aggregate(1L, (a, b) => a * b)).ToArray()));
}
