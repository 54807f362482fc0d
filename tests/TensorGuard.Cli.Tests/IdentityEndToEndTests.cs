using TensorGuard.Core.Formats;
using TensorGuard.ModelFactory;

namespace TensorGuard.Cli.Tests;

/// <summary>Byte identity through the CLI: <c>policy add-base</c> records tensor hashes, <c>check</c> matches copies by content.</summary>
public sealed class IdentityEndToEndTests : IDisposable
{
    private const string Policy = """
        version: 1
        licenses:
          - id: llama3.1
            name: Llama 3.1 Community License
            commercial: true
            name-prefix: Llama
          - id: apache-2.0
            name: Apache License 2.0
            commercial: true
            allows-relicensing: true
        families:
          - id: llama
            name: Llama
            bases:
              - name: Llama-3.1-8B
                license: llama3.1
                fingerprint: fingerprints/Llama-3.1-8B_features.json
        """;

    private readonly string _root = Path.Combine(Path.GetTempPath(), "tensorguard-tests", Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static readonly TestModel House = TestModels.Create(ModelFamily.Llama, seed: 31, TensorDType.BF16);

    private static readonly ModelCard Card = new() { License = "apache-2.0", ModelName = "Acme-Chat" };

    [Fact]
    public void Check_ReshardedCopyAndMergedLoraOfARecordedBase_AreIdenticalEvidence()
    {
        CliResult added = AddHouseBase();
        House.WithCard(Card).Save(Path.Combine(_root, "models", "reupload"), shards: 2);
        House.MergeLora(rank: 4).WithCard(Card).Save(Path.Combine(_root, "models", "lora"));

        CliResult reupload = CliProcess.Run(_root, null, "check", "--policy", "tensorguard.yml", "models/reupload");
        CliResult lora = CliProcess.Run(_root, null, "check", "--policy", "tensorguard.yml", "models/lora");

        Assert.True(added.ExitCode == 0, added.Error);
        Assert.Contains("\"tensorguard-identity\"", File.ReadAllText(Path.Combine(_root, "fingerprints", "House-Llama.json")), StringComparison.Ordinal);
        Assert.True(reupload.ExitCode == 2, reupload.Output + reupload.Error);
        Assert.Contains("detected  identical: House-Llama (Llama family, license llama3.1)", reupload.Output);
        Assert.Contains("license-conflict: declares license apache-2.0, but its weights derive from House-Llama (proven by byte identity)", reupload.Output);
        Assert.Equal(2, lora.ExitCode);
        Assert.Matches(@"detected  identical: \d+ of \d+ non-trivial tensors bit-identical to House-Llama", lora.Output);
        Assert.Contains("license-conflict", lora.Output);
    }

    [Fact]
    public void Check_Rerun_TakesTensorHashesFromTheCacheAndHashesChangedFilesAgain()
    {
        Assert.True(AddHouseBase().ExitCode == 0);
        string copy = Path.Combine(_root, "models", "copy");
        House.WithCard(Card).Save(copy, shards: 2);
        CliResult Check() => CliProcess.Run(_root, null, "check", "--policy", "tensorguard.yml", "--cache-dir", "cache", "models/copy");

        string[] Entries() => Directory.GetFiles(Path.Combine(_root, "cache", "entries"), $"*.identity-v{Core.Fingerprints.Identity.IdentityFingerprint.Version}.json");

        CliResult first = Check();
        CliResult second = Check();
        string[] cached = Entries();
        // The same files with other contents: a merged LoRA leaves only some tensors of the base untouched.
        House.MergeLora(rank: 4).WithCard(Card).Save(copy, shards: 2);
        CliResult changed = Check();

        Assert.Contains("detected  identical: House-Llama", first.Output);
        Assert.Equal(first.Output, second.Output);
        Assert.Single(cached);
        Assert.Equal(2, Entries().Length);
        Assert.Matches(@"detected  identical: \d+ of \d+ non-trivial tensors bit-identical to House-Llama", changed.Output);
    }

    // A repository whose policy records the house model (with its tensor hashes) as a Llama base.
    private CliResult AddHouseBase()
    {
        Directory.CreateDirectory(Path.Combine(_root, ".git"));
        File.WriteAllText(Path.Combine(_root, "tensorguard.yml"), Policy);
        Directory.CreateDirectory(Path.Combine(_root, "fingerprints"));
        File.Copy(Path.Combine(RepositoryFiles.Root, "policies", "fingerprints", "Llama-3.1-8B_features.json"), Path.Combine(_root, "fingerprints", "Llama-3.1-8B_features.json"));
        House.Save(Path.Combine(_root, "bases", "house"));
        return CliProcess.Run(_root, null, "policy", "add-base", "bases/house", "--family", "llama", "--name", "House-Llama", "--license", "llama3.1", "--policy", "tensorguard.yml");
    }
}
