using System.Text.Json;
using TensorGuard.Core.Formats.Architecture;
using TensorGuard.ModelFactory;

namespace TensorGuard.Core.Tests.Formats.Architecture;

// Recognition against the test-model factory's families, in every naming and orientation it produces:
// the sizes must be the ones the factory built, whatever the tensors are called or how they are stored.
public sealed class FactoryModelRecognitionTests
{
    public static TheoryData<ModelFamily, string> Cases()
    {
        var cases = new TheoryData<ModelFamily, string>();
        foreach (ModelFamily family in TestModels.TransformerFamilies)
        {
            cases.Add(family, "huggingface");
            cases.Add(family, "gguf");
            cases.Add(family, "transposed");
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Recognize_FactoryModel_FindsItsSizes(ModelFamily family, string storage)
    {
        TestModel model = TestModels.Create(family);
        model = storage switch
        {
            "gguf" => model.Rename(TensorNaming.Gguf),
            "transposed" => model.TransposeLinear(),
            _ => model,
        };
        TensorGuard.ModelFactory.Architecture expected = model.Architecture;

        ArchitectureInfo fromWeights = ArchitectureRecognizer.Recognize(model.Tensors, null);
        ArchitectureInfo withConfig = ArchitectureRecognizer.Recognize(model.Tensors, Config(model));

        Assert.Equal(storage == "gguf" ? "gguf" : ExpectedScheme(family), fromWeights.Scheme);
        Assert.Equal(
            (expected.HiddenSize, expected.Layers, expected.IntermediateSize, expected.VocabSize, expected.TiedEmbeddings),
            (fromWeights.HiddenSize!.Value, fromWeights.Layers!.Value, fromWeights.IntermediateSize!.Value, fromWeights.VocabularySize!.Value, fromWeights.TiedEmbeddings!.Value));
        Assert.Equal(
            (expected.AttentionHeads, expected.KeyValueHeads, expected.HeadDim),
            (withConfig.AttentionHeads!.Value, withConfig.KeyValueHeads!.Value, withConfig.HeadDim!.Value));
        Assert.Empty(withConfig.Notes);
    }

    private static string ExpectedScheme(ModelFamily family) => family switch
    {
        ModelFamily.Qwen2 => "qwen2",
        ModelFamily.Gemma => "gemma",
        ModelFamily.Phi3 or ModelFamily.Phi4 => "phi3",
        _ => "llama",
    };

    private static HuggingFaceConfig Config(TestModel model)
    {
        using JsonDocument json = JsonDocument.Parse(model.Config!.Render());
        return HuggingFaceConfig.Parse("config.json", json.RootElement);
    }
}
