using TensorGuard.Tests.Corpus;
using TensorGuard.Core.Formats;
using TensorGuard.ModelFactory;
using TensorGuard.ModelFactory.Formats;

namespace TensorGuard.Core.Tests.Formats;

public class GgufFactoryTests
{
    public static TheoryData<ModelFamily> Families => new(TestModels.TransformerFamilies);

    [Theory]
    [MemberData(nameof(Families))]
    public void Open_ConvertedModel_ReadsBackTheHuggingFaceWeights(ModelFamily family)
    {
        TestModel model = TestModels.Create(family, seed: 5);
        using var scratch = new TestDirectory();
        string path = scratch.File("model.gguf");
        GgufModelWriter.Write(model.ToGguf(), path);

        using LoadedModel gguf = ModelLoader.Open(path);

        Assert.Equal(model.Tensors.Select(t => t.Name), gguf.Tensors.Select(t => t.Name));
        foreach (TensorEntry tensor in gguf.Tensors)
        {
            Assert.Equal(model[tensor.Name].StoredShape.Select(d => (long)d), tensor.Shape);
            // Gemma's norms went through w + 1 in float32 and back, which may round their last bit.
            float tolerance = model[tensor.Name].Role.IsNorm && family == ModelFamily.Gemma ? 1e-6f : 0f;
            Assert.All(model[tensor.Name].ToArray().Zip(GgufFileTests.ReadAll(gguf, tensor)), pair => Assert.Equal(pair.First, pair.Second, tolerance));
        }
    }

    [Fact]
    public void Open_GemmaConversion_StoresNormsPlusOneAndReadsThemBack()
    {
        TestModel gemma = TestModels.Create(ModelFamily.Gemma, seed: 5);
        using var scratch = new TestDirectory();
        string path = scratch.File("gemma.gguf");
        GgufModelWriter.Write(gemma.ToGguf(), path);
        TestTensor norm = gemma.Get(TensorKind.PostFeedforwardNorm, layer: 1);

        using LoadedModel read = ModelLoader.Open(path);

        // The file holds w + 1 (what llama.cpp writes); the reader serves w again.
        Assert.Equal(norm.ToArray().Select(v => v + 1f), gemma.ToGguf().Get(TensorKind.PostFeedforwardNorm, layer: 1).ToArray());
        Assert.All(norm.ToArray().Zip(GgufFileTests.ReadAll(read, read.Tensors.Single(t => t.Name == norm.Name))), pair => Assert.Equal(pair.First, pair.Second, 1e-6f));
    }

    [Fact]
    public void Open_QuantizedConversion_StaysCloseToTheBase()
    {
        TestModel model = TestModels.Create(ModelFamily.Llama, seed: 6);
        using var scratch = new TestDirectory();
        string path = scratch.File("model.gguf");
        GgufModelWriter.Write(model.ToGguf(), path, TensorDType.Q80);

        using LoadedModel gguf = ModelLoader.Open(path);

        TensorEntry q = gguf.Tensors.Single(t => t.Name == "model.layers.1.self_attn.q_proj.weight");
        Assert.Equal(TensorDType.Q80, q.DType);
        float[] expected = model[q.Name].ToArray(), actual = GgufFileTests.ReadAll(gguf, q);
        double error = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(error < expected.Max(Math.Abs) / 100, $"max error {error}");
    }
}
