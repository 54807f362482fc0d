using System.Text.Json;
using System.Text.Json.Nodes;

namespace TensorGuard.ModelFactory.Tests;

public sealed class CardAndConfigTests
{
    [Fact]
    public void Render_SingleBaseModel_WritesAScalar()
    {
        var card = new ModelCard
        {
            License = "llama3.1",
            BaseModel = ["meta-llama/Llama-3.1-8B"],
            BaseModelRelation = "finetune",
            ModelName = "Llama-3.1-8B-Support",
            Body = "Built with Llama",
        };

        Assert.Equal(
            "---\nlicense: llama3.1\nbase_model: meta-llama/Llama-3.1-8B\nbase_model_relation: finetune\nmodel_name: Llama-3.1-8B-Support\n---\n\nBuilt with Llama\n",
            card.Render());
    }

    [Fact]
    public void Render_SeveralBaseModelsAndOddText_WritesAListAndQuotes()
    {
        var card = new ModelCard
        {
            License = "other",
            LicenseName = "qwen-research",
            BaseModel = ["a/b", "c/d"],
            ModelName = "yes",
            Tags = ["merge", "my model: v2"],
        };

        Assert.Equal(
            "---\nlicense: other\nlicense_name: qwen-research\nbase_model:\n- a/b\n- c/d\nmodel_name: \"yes\"\ntags:\n- merge\n- \"my model: v2\"\n---\n",
            card.Render());
    }

    [Fact]
    public void Config_FollowsTheArchitectureAndAcceptsOverrides()
    {
        TestModel model = TestModels.Create(ModelFamily.Qwen2)
            .WithConfig(c => c with { NumKeyValueHeads = null, Extra = new Dictionary<string, JsonNode?> { ["rope_theta"] = 1000000.0 } })
            .TruncateVocabulary(500);

        JsonNode json = JsonNode.Parse(model.Config!.Render())!;
        Assert.Equal("qwen2", (string?)json["model_type"]);
        Assert.Equal("Qwen2ForCausalLM", (string?)json["architectures"]![0]);
        Assert.Equal(64, (int?)json["hidden_size"]);
        Assert.Equal(344, (int?)json["intermediate_size"]);
        Assert.Equal(500, (int?)json["vocab_size"]);
        Assert.True((bool?)json["tie_word_embeddings"]);
        Assert.Equal(1000000.0, (double?)json["rope_theta"]);
        Assert.Equal("tensorguard-test/qwen2-s1", (string?)json["_name_or_path"]);
        Assert.Null(json["num_key_value_heads"]);
    }

    [Fact]
    public void Save_WritesCardAndConfigBesideTheWeights_OrNoneWhenRemoved()
    {
        using var directory = new TemporaryDirectory();
        TestModel model = TestModels.Create(ModelFamily.Mistral).WithCard(c => c with { License = "mit", BaseModel = ["mistralai/Mistral-7B-v0.1"] });

        SavedModel saved = model.Save(directory.Sub("with"));
        SavedModel bare = model.WithoutCard().WithoutConfig().Save(directory.Sub("bare"));

        Assert.Contains("license: mit\n", File.ReadAllText(saved.CardFile!));
        Assert.Contains("base_model: mistralai/Mistral-7B-v0.1\n", File.ReadAllText(saved.CardFile!));
        Assert.Equal("mistral", JsonDocument.Parse(File.ReadAllText(saved.ConfigFile!)).RootElement.GetProperty("model_type").GetString());
        Assert.Null(bare.CardFile);
        Assert.Equal(["model.safetensors"], Directory.GetFiles(bare.Directory).Select(Path.GetFileName));
    }
}
