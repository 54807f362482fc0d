using TensorGuard.Tests.Corpus;
using TensorGuard.Core.Formats;
using TensorGuard.Testing;
using TensorGuard.Testing.Formats;

namespace TensorGuard.Core.Tests.Formats;

public class GgufFactoryTests
{
    public static TheoryData<ModelFamily> Families => new(Enum.GetValues<ModelFamily>());

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
            Assert.Equal(model[tensor.Name].ToArray(), GgufFileTests.ReadAll(gguf, tensor));
        }
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
