using TensorGuard.Core.Policy;

namespace TensorGuard.Core.Tests.Policy;

public sealed class PolicyDiscoveryTests
{
    private const string Bundled = "/nonexistent/bundled.yml";

    [Theory]
    [InlineData("tensorguard.yml")]
    [InlineData("tensorguard.yaml")]
    [InlineData(".github/tensorguard.yml")]
    [InlineData(".github/tensorguard.yaml")]
    public void Find_FromASubfolder_WalksUpToTheRepositoryPolicy(string name)
    {
        using var fixture = new PolicyFixture();
        string policy = Write(fixture.Root, name);
        string deep = Directory.CreateDirectory(Path.Combine(fixture.Root, "models", "chat", "v2")).FullName;

        PolicyUsed used = PolicyDiscovery.Find(null, deep, Bundled);

        Assert.Equal((policy, false), (used.Path, used.Bundled));
    }

    [Fact]
    public void Find_NearerFolderPolicy_WinsOverTheRootPolicy()
    {
        using var fixture = new PolicyFixture();
        Write(fixture.Root, ".github/tensorguard.yml");
        string nearer = Write(Path.Combine(fixture.Root, "team"), "tensorguard.yaml");

        Assert.Equal(nearer, PolicyDiscovery.Find(null, Path.Combine(fixture.Root, "team"), Bundled).Path);
    }

    [Fact]
    public void Find_NoRepositoryPolicy_FallsBackToTheBundledOneAndSaysSo()
    {
        using var fixture = new PolicyFixture();
        string bundled = Write(fixture.Root, "bundled/default.yml");

        // A policy above the repository root belongs to something else and is not used.
        PolicyUsed used = PolicyDiscovery.Find(null, fixture.Root, bundled);

        Assert.Equal((bundled, true), (used.Path, used.Bundled));
    }

    [Fact]
    public void Find_DoesNotLeaveTheRepository()
    {
        using var outer = new PolicyFixture();
        Write(outer.Root, "tensorguard.yml");
        string inner = Directory.CreateDirectory(Path.Combine(outer.Root, "vendor", "repo", ".git")).Parent!.FullName;
        string bundled = Write(outer.Root, "bundled/default.yml");

        Assert.True(PolicyDiscovery.Find(null, inner, bundled).Bundled);
    }

    [Fact]
    public void Find_TwoPoliciesInOneFolder_IsAnErrorNamingBoth()
    {
        using var fixture = new PolicyFixture();
        Write(fixture.Root, "tensorguard.yml");
        Write(fixture.Root, ".github/tensorguard.yaml");

        var error = Assert.Throws<InvalidInputException>(() => PolicyDiscovery.Find(null, fixture.Root, Bundled));

        Assert.Contains("tensorguard.yml", error.Message, StringComparison.Ordinal);
        Assert.Contains(".github/tensorguard.yaml", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Find_NothingAndNoBundledPolicy_FailsClosedWithTheFix()
    {
        using var fixture = new PolicyFixture();

        var error = Assert.Throws<InvalidInputException>(() => PolicyDiscovery.Find(null, fixture.Root, Bundled));

        Assert.Contains("tensorguard policy init", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Find_GivenPath_IsUsedAsIs()
    {
        Assert.Equal(new PolicyUsed("mine.yml", false), PolicyDiscovery.Find("mine.yml", "/", Bundled));
    }

    private static string Write(string directory, string name)
    {
        string path = Path.Combine(directory, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "version: 1\n");
        return path;
    }
}
