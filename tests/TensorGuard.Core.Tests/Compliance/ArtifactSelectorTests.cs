using TensorGuard.Core.Compliance;
using TensorGuard.Core.Policy;

namespace TensorGuard.Core.Tests.Compliance;

public sealed class ArtifactSelectorTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private ArtifactSelection Select(params string[] patterns) =>
        ArtifactSelector.Select(patterns.Select(p => new ArtifactPattern(p, _dir.Path, null, Optional: false)).ToArray());

    private string[] Relative(ArtifactSelection selection) =>
        selection.Artifacts.Select(a => Path.GetRelativePath(_dir.Path, a.Path).Replace('\\', '/')).ToArray();

    [Fact]
    public void Select_RecursiveGlob_FindsWeightsSkipsCompanionsAndGroupsShards()
    {
        _dir.Write("out/a/model.safetensors", "x");
        _dir.Write("out/a/README.md", "x");
        _dir.Write("out/a/config.json", "{}");
        _dir.Write("out/b/model-00001-of-00002.safetensors", "x");
        _dir.Write("out/b/model-00002-of-00002.safetensors", "x");
        _dir.Write("out/b/model.safetensors.index.json",
            """{"metadata":{},"weight_map":{"t1":"model-00001-of-00002.safetensors","t2":"model-00002-of-00002.safetensors"}}""");
        _dir.Write("out/c/nested/pytorch_model.bin", "x");

        ArtifactSelection files = Select("out/**/*.*");
        ArtifactSelection folders = Select("out/**");

        Assert.Equal(["out/a/model.safetensors", "out/b/model.safetensors.index.json", "out/c/nested/pytorch_model.bin"],
            Relative(files).Order(StringComparer.Ordinal));
        Assert.Equal(["out/a", "out/b", "out/c/nested"], Relative(folders).Order(StringComparer.Ordinal));
        Assert.False(files.Incomplete);
    }

    [Fact]
    public void Select_DirectoryGlob_SelectsFoldersAndDropsWhatIsInsideThem()
    {
        _dir.Write("models/x/model.safetensors", "x");
        _dir.Write("models/y/model.safetensors", "x");

        Assert.Equal(["models/x", "models/y"], Relative(Select("models/*", "models/x/model.safetensors")).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Select_SingleStarStaysInOneFolder()
    {
        _dir.Write("m/top.safetensors", "x");
        _dir.Write("m/deeper/low.safetensors", "x");

        Assert.Equal(["m/top.safetensors"], Relative(Select("m/*.safetensors")));
    }

    [Fact]
    public void Select_LiteralPath_IsTakenWhateverItIs()
    {
        _dir.Write("notes.txt", "x");

        Assert.Equal(["notes.txt"], Relative(Select("notes.txt")));
    }

    [Fact]
    public void Select_PatternMatchingNothing_IsAnErrorUnlessOptional()
    {
        ArtifactSelection required = Select("missing/**/*.safetensors");
        ArtifactSelection optional = ArtifactSelector.Select([new ArtifactPattern("missing/*", _dir.Path, null, Optional: true)]);

        Assert.True(required.Incomplete);
        Assert.Equal(Severity.Error, Assert.Single(required.Messages).Severity);
        Assert.False(optional.Incomplete);
        Assert.Equal(Severity.Note, Assert.Single(optional.Messages).Severity);
    }
}
