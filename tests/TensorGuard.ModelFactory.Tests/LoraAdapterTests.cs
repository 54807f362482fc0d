using System.Text.Json;
using TensorGuard.Core.Formats;
using TensorGuard.Core.Formats.Safetensors;

namespace TensorGuard.ModelFactory.Tests;

public sealed class LoraAdapterTests
{
    private static readonly TestModel Llama = TestModels.Create(ModelFamily.Llama);

    [Fact]
    public void Save_WritesPeftNamesShapesAndConfig()
    {
        LoraAdapter adapter = Llama.TrainLora(8, alpha: 16, targets: LoraTargets.Attention);
        using var directory = new TemporaryDirectory();
        SavedAdapter saved = adapter.Save(directory.Path, fanInFanOut: true);

        using SafetensorsFile weights = SafetensorsFile.Open(saved.WeightsFile);
        var shapes = weights.Tensors.ToDictionary(t => t.Name, t => t.ShapeText);
        Assert.Equal(4 * 4 * 2, shapes.Count);
        Assert.Equal("[8, 64]", shapes["base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"]);
        Assert.Equal("[64, 8]", shapes["base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight"]);
        Assert.Equal("[32, 8]", shapes["base_model.model.model.layers.3.self_attn.k_proj.lora_B.weight"]);
        JsonElement config = JsonDocument.Parse(File.ReadAllText(saved.ConfigFile)).RootElement;
        Assert.Equal(Llama.Id, config.GetProperty("base_model_name_or_path").GetString());
        Assert.Equal(8, config.GetProperty("r").GetInt32());
        Assert.Equal(16, config.GetProperty("lora_alpha").GetDouble());
        Assert.True(config.GetProperty("fan_in_fan_out").GetBoolean());
        Assert.Equal(["k_proj", "o_proj", "q_proj", "v_proj"], config.GetProperty("target_modules").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("base_model_relation: adapter\n", File.ReadAllText(saved.CardFile!));
    }

    [Fact]
    public void MergeInto_EqualsMergingTheSavedFilesByHand()
    {
        LoraAdapter adapter = Llama.TrainLora(4, relativeScale: 0.05, seed: 2, dtype: TensorDType.BF16);
        using var directory = new TemporaryDirectory();
        SavedAdapter saved = adapter.Save(directory.Path);
        TestModel merged = adapter.MergeInto(Llama);

        using SafetensorsFile weights = SafetensorsFile.Open(saved.WeightsFile);
        float[] Read(string name)
        {
            TensorEntry entry = weights.Tensors.Single(t => t.Name == name);
            var values = new float[entry.ElementCount];
            weights.ReadFloat32(entry, 0, values);
            return values;
        }

        TestTensor up = Llama.Get(TensorKind.MlpUp, 2);
        float[] a = Read("base_model.model.model.layers.2.mlp.up_proj.lora_A.weight");
        float[] b = Read("base_model.model.model.layers.2.mlp.up_proj.lora_B.weight");
        TestTensor mergedUp = merged.Get(TensorKind.MlpUp, 2);
        for (int r = 0; r < up.Rows; r += 17)
        {
            for (int c = 0; c < up.Columns; c += 5)
            {
                double delta = Enumerable.Range(0, 4).Sum(k => (double)b[(r * 4) + k] * a[(k * up.Columns) + c]);
                Assert.Equal(up[r, c] + (2.0 * delta), mergedUp[r, c], 1e-5);
            }
        }

        Assert.Equal(0.05, Derivations.RelativeChange(up, mergedUp), 2e-3);
    }

    [Fact]
    public void MergeLora_IsTrainThenMerge()
    {
        TestModel viaAdapter = Llama.TrainLora(16, relativeScale: 0.03, seed: 9).MergeInto(Llama);

        BaseModelTests.AssertSameValues(viaAdapter, Llama.MergeLora(16, relativeScale: 0.03, seed: 9));
    }

    [Fact]
    public void TrainLora_FusedProjections_TargetsTheFusedModules()
    {
        TestModel phi = TestModels.Create(ModelFamily.Phi3);
        LoraAdapter adapter = phi.TrainLora(8);

        Assert.Equal(["down_proj", "gate_up_proj", "o_proj", "qkv_proj"], adapter.TargetModules);
        Assert.Throws<ArgumentException>(() => adapter.MergeInto(TestModels.Create(ModelFamily.Phi4)));
    }
}
