using TensorGuard.Core.Compliance;
using TensorGuard.Core.Gate;

namespace TensorGuard.Core.Tests.Gate;

/// <summary>Change detection against a real git repository made for each test.</summary>
public sealed class GitChangesTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "tensorguard-git-" + Guid.NewGuid().ToString("N"));

    public GitChangesTests()
    {
        Directory.CreateDirectory(_root);
        Git("init", "-q", "-b", "main");
        Write("models/kept/model.safetensors", "weights");
        Write("models/kept/README.md", "card");
        Write("models/edited/model.safetensors", "weights");
        Write("models/edited/README.md", "card");
        Write("policy.yml", "version: 1\n");
        Git("add", "-A");
        Git("commit", "-q", "-m", "base");
        Git("checkout", "-q", "-b", "feature");
    }

    private string PathOf(string relative) => Path.Combine(_root, relative);

    private void Write(string relative, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(PathOf(relative))!);
        File.WriteAllText(PathOf(relative), text);
    }

    private void Git(params string[] arguments) => TestGit.Run(_root, arguments);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Classify_CommittedEditUntrackedAndUntouched_AreModifiedAddedAndUnchanged()
    {
        Write("models/edited/README.md", "card, now with a license");
        Git("commit", "-q", "-am", "edit card");
        Write("models/new/model.safetensors", "new weights"); // a build output, never committed

        GitChanges changes = GitChanges.Since("main", PathOf("models"));

        Assert.Equal(ArtifactChange.Unchanged, changes.Classify(PathOf("models/kept"), [PathOf("policy.yml")]));
        Assert.Equal(ArtifactChange.Modified, changes.Classify(PathOf("models/edited"), [PathOf("policy.yml")]));
        Assert.Equal(ArtifactChange.Added, changes.Classify(PathOf("models/new"), [PathOf("policy.yml")]));
        Assert.Equal(ArtifactChange.Unchanged, changes.Classify(PathOf("models/kept/model.safetensors"), []));
    }

    [Fact]
    public void Classify_UncommittedEditOrNewFileInFolder_IsModified()
    {
        Write("models/kept/NOTICE", "a notice nobody committed yet");

        GitChanges changes = GitChanges.Since("main", _root);

        Assert.Equal(ArtifactChange.Modified, changes.Classify(PathOf("models/kept"), []));
    }

    [Fact]
    public void Classify_PolicyChanged_NothingIsUnchanged()
    {
        Write("policy.yml", "version: 1\nfail-on: warning\n");

        GitChanges changes = GitChanges.Since("main", _root);

        Assert.Equal(ArtifactChange.Modified, changes.Classify(PathOf("models/kept"), [PathOf("policy.yml")]));
    }

    [Fact]
    public void Since_UnknownRevision_SaysHowToFetchIt()
    {
        var error = Assert.Throws<InvalidInputException>(() => GitChanges.Since("origin/nope", _root));

        Assert.Contains("cannot compare with 'origin/nope'", error.Message, StringComparison.Ordinal);
        Assert.Contains("fetch-depth: 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Since_OptionLikeRevision_IsRefused() =>
        Assert.Throws<InvalidInputException>(() => GitChanges.Since("--output=/tmp/x", _root));
}
