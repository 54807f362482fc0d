using TensorGuard.Core.Formats;
using TensorGuard.Tests.Corpus;

namespace TensorGuard.Core.Tests.Formats;

public sealed class MalformedModelTests
{
    public static TheoryData<string> Cases => new(MalformedModels.All.Keys.Order(StringComparer.Ordinal));

    [Fact]
    public void Corpus_HasAtLeastThirtyCases() => Assert.True(MalformedModels.All.Count >= 30);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Open_MalformedArtifact_ThrowsOneLineModelFormatExceptionNamingFileAndProblem(string name)
    {
        using var directory = new TestDirectory();
        MalformedModel model = MalformedModels.All[name];
        string path = model.Create(directory);

        var error = Assert.Throws<ModelFormatException>(() =>
        {
            using LoadedModel loaded = ModelLoader.Open(path);
            foreach (TensorEntry tensor in loaded.Tensors)
            {
                NonFiniteScanner.Scan(loaded, tensor, new float[16]);
            }
        });

        Assert.Contains(model.Fragment, error.Message, StringComparison.Ordinal);
        Assert.StartsWith(directory.Path, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.DoesNotContain('\r', error.Message);
        Assert.DoesNotContain('\u2028', error.Message);
    }
}
