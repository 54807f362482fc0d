using TensorGuard.ModelFactory;

namespace TensorGuard.Core.Tests.Policy;

/// <summary>A temporary repository (a folder with a .git directory) to write policies and fingerprints into.</summary>
internal sealed class PolicyFixture : IDisposable
{
    public PolicyFixture()
    {
        Root = Directory.CreateTempSubdirectory("tensorguard-policy-").FullName;
        Directory.CreateDirectory(Path.Combine(Root, ".git"));
        Directory.CreateDirectory(Path.Combine(Root, "policies", "fingerprints"));
    }

    public string Root { get; }

    /// <summary>A valid reference-format fingerprint of a published base, copied into policies/fingerprints/.</summary>
    public string CopyBase(string fileName)
    {
        string target = Path.Combine(Root, "policies", "fingerprints", fileName);
        File.Copy(Path.Combine(RepositoryFiles.Root, "policies", "fingerprints", fileName), target, overwrite: true);
        return "fingerprints/" + fileName;
    }

    public string WritePolicy(string yaml)
    {
        string path = Path.Combine(Root, "policies", "policy.yml");
        File.WriteAllText(path, yaml);
        return path;
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
