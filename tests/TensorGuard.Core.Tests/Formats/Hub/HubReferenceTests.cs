using TensorGuard.Core.Formats;
using TensorGuard.Core.Formats.Hub;

namespace TensorGuard.Core.Tests.Formats.Hub;

public class HubReferenceTests
{
    [Theory]
    [InlineData("hf://meta-llama/Llama-3.2-1B", "meta-llama/Llama-3.2-1B", "main", "")]
    [InlineData("hf://org/name@v1.0", "org/name", "v1.0", "")]
    [InlineData("hf://org/name@0123456789abcdef0123456789abcdef01234567/sub/model.safetensors", "org/name", "0123456789abcdef0123456789abcdef01234567", "sub/model.safetensors")]
    [InlineData("hf://org/name/folder/", "org/name", "main", "folder")]
    public void Parse_WellFormed_SplitsRepositoryRevisionAndPath(string text, string repo, string revision, string path)
    {
        HubReference reference = HubReference.Parse(text);

        Assert.Equal(repo, reference.RepoId);
        Assert.Equal(revision, reference.Revision);
        Assert.Equal(path, reference.Path);
        Assert.Equal(reference, HubReference.Parse(reference.ToString()));
    }

    [Theory]
    [InlineData("hf://org")]
    [InlineData("hf://org/..")]
    [InlineData("hf://../name")]
    [InlineData("hf://org/name/../../etc/passwd")]
    [InlineData("hf://org/name/a/../b")]
    [InlineData("hf://org/name@../x")]
    [InlineData("hf://org/name@")]
    [InlineData("hf://org/name/http://evil.example/x")]
    [InlineData("hf://org/name/file?download=1")]
    [InlineData("hf://org/name/file%2F..%2Fx")]
    [InlineData("hf://user:pass@evil.example/name")]
    [InlineData("hf://org/na--me")]
    [InlineData("hf://org/name/a//b")]
    [InlineData("hf://org/name/a\\b")]
    [InlineData("hf://-org/name")]
    public void Parse_UnsafeOrMalformed_IsRefusedWithOneLine(string text)
    {
        var error = Assert.ThrowsAny<ModelFormatException>(() => HubReference.Parse(text));

        Assert.DoesNotContain('\n', error.Message);
    }
}
