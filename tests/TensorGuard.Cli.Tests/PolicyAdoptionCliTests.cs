using TensorGuard.ModelFactory;

namespace TensorGuard.Cli.Tests;

/// <summary>What a new adopter types: policy init, add-base, check from anywhere in the repository.</summary>
public sealed class PolicyAdoptionCliTests(DemoRepository demo) : IClassFixture<DemoRepository>, IDisposable
{
    private const string SingleBasePolicy = """
        version: 1
        licenses:
          - id: llama3.1
            commercial: true
            name-prefix: Llama
          - id: apache-2.0
            commercial: true
            allows-relicensing: true
        organisation:
          commercial: true
        families:
          - id: llama
            bases:
              - name: Llama-3.1-8B
                license: llama3.1
                aliases: [meta-llama/Llama-3.1-8B]
                fingerprint: fingerprints/meta-llama_Llama-3.1-8B.json
        """;

    /// <summary>A fresh scratch repository (with .git) per test.</summary>
    private readonly string _root = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "tensorguard-tests", Guid.NewGuid().ToString("N"), "repo")).FullName;

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_root)!, recursive: true);

    private CliResult Run(string relativeDirectory, params string[] args) =>
        CliProcess.Run(Directory.CreateDirectory(Path.Combine(_root, relativeDirectory)).FullName, demo.Environment(), args);

    private string Repository()
    {
        Directory.CreateDirectory(Path.Combine(_root, ".git"));
        return _root;
    }

    private void CopyModel(string name, string target)
    {
        Directory.CreateDirectory(Path.Combine(_root, target));
        foreach (string file in Directory.GetFiles(Path.Combine(demo.Root, "demo", name)))
        {
            File.Copy(file, Path.Combine(_root, target, Path.GetFileName(file)));
        }
    }

    [Fact]
    public void Check_FromASubfolder_FindsTheYamlPolicyAndRunsLineageWithASingleBase()
    {
        Repository();
        Directory.CreateDirectory(Path.Combine(_root, ".github", "fingerprints"));
        File.Copy(Path.Combine(demo.Root, "demo", "fingerprints", "meta-llama_Llama-3.1-8B.json"), Path.Combine(_root, ".github", "fingerprints", "meta-llama_Llama-3.1-8B.json"));
        File.WriteAllText(Path.Combine(_root, ".github", "tensorguard.yaml"), SingleBasePolicy);
        CopyModel("superchat-8b", "models/superchat-8b");

        CliResult result = Run("models", "check", "superchat-8b", "--no-cache");

        // SuperChat relicenses Llama weights as Apache-2.0: the repository policy catches it by lineage alone.
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("TensorGuard check · policy .github/tensorguard.yaml", result.Output, StringComparison.Ordinal);
        Assert.Contains("license-conflict", result.Output, StringComparison.Ordinal);
        Assert.Contains("family classifier was skipped", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("bundled", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_WithoutARepositoryPolicy_SaysSoInItsFirstLine()
    {
        Repository();
        CopyModel("superchat-8b", "models/superchat-8b");

        CliResult result = Run("models", "check", "superchat-8b", "--no-cache");

        Assert.StartsWith("warning: no repository policy found", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Init_WritesACommentedStarterThatValidatesFromAnywhere()
    {
        Repository();

        CliResult init = Run("src", "policy", "init", "--commercial", "--allow-licenses", "apache-2.0,llama3.1", "--allow-licenses", "mit");
        CliResult again = Run(".", "policy", "init");
        CliResult validate = Run("src/deep", "policy", "validate");

        Assert.Equal(0, init.ExitCode);
        string text = File.ReadAllText(Path.Combine(_root, ".github", "tensorguard.yml"));
        Assert.Contains("extends: default", text, StringComparison.Ordinal);
        Assert.Contains("allowed-licenses: [apache-2.0, llama3.1, mit]", text, StringComparison.Ordinal);
        Assert.Contains("# exceptions:", text, StringComparison.Ordinal);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("already exists", again.Error, StringComparison.Ordinal);
        Assert.Equal(0, validate.ExitCode);
        Assert.Contains(".github/tensorguard.yml: valid", validate.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Init_MistypedLicense_SuggestsTheIdAndWritesNothing()
    {
        Repository();

        CliResult result = Run(".", "policy", "init", "--allow-licenses", "apache2");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("did you mean 'apache-2.0'?", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_root, ".github", "tensorguard.yml")));
    }

    [Fact]
    public void AddBase_WithoutAPolicy_CreatesOneChecksTheLicenseTakesAliasesAndWarnsOnTheSameWeights()
    {
        Repository();
        string weights = Path.Combine(demo.Root, "demo", "bases", "meta-llama_Llama-3.1-8B");

        CliResult missing = Run(".", "policy", "add-base", weights, "--family", "acme", "--name", "Acme-Base");
        CliResult typo = Run(".", "policy", "add-base", weights, "--family", "acme", "--name", "Acme-Base", "--license", "llama-3.1");
        CliResult added = Run("sub", "policy", "add-base", weights, "--family", "acme", "--name", "Acme-Base", "--license", "llama3.1",
            "--alias", "acme/base", "--alias", "acme/base-v2");
        CliResult twice = Run(".", "policy", "add-base", weights, "--family", "acme", "--name", "Acme-Base-Copy", "--license", "llama3.1");
        CliResult validate = Run(".", "policy", "validate");

        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("--license", missing.Error, StringComparison.Ordinal);
        Assert.Equal(3, typo.ExitCode);
        Assert.Contains("did you mean 'llama3.1'?", typo.Error, StringComparison.Ordinal);
        Assert.Equal(0, added.ExitCode);
        string policy = File.ReadAllText(Path.Combine(_root, ".github", "tensorguard.yml"));
        Assert.Contains("extends: default", policy, StringComparison.Ordinal);
        Assert.Contains("aliases: [acme/base, acme/base-v2]", policy, StringComparison.Ordinal);
        Assert.Equal(0, twice.ExitCode);
        Assert.Contains("same weight files (SHA-256) as base Acme-Base", twice.Error, StringComparison.Ordinal);
        Assert.Equal(0, validate.ExitCode);
        int catalogueBases = TensorGuard.Core.Policy.PolicyLoader.Load(RepositoryFiles.DefaultPolicy).Catalogue!.Entries.Count;
        Assert.Contains($"{10 + catalogueBases} bases", validate.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("classify")]
    [InlineData("eval")]
    public void ClassifyAndEval_WithoutPolicyOption_FindTheRepositoryPolicyLikeCheck(string command)
    {
        Repository();
        Directory.CreateDirectory(Path.Combine(_root, ".github"));
        File.WriteAllText(Path.Combine(_root, ".github", "tensorguard.yml"), "version: 2\n");
        string fingerprints = Path.Combine(RepositoryFiles.ReferenceFingerprints, "derivatives");
        string[] args = command == "eval"
            ? ["eval", "--labels", Path.Combine(RepositoryFiles.ReferenceFingerprints, "labels.tsv"), fingerprints]
            : ["classify", Directory.GetFiles(fingerprints, "*.json")[0]];

        CliResult result = Run("sub", args);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains(Path.Combine(_root, ".github", "tensorguard.yml") + ":1:10: policy version 2 is not supported", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SeveralProblems_PrintsOneErrorLineEach()
    {
        Repository();
        File.WriteAllText(Path.Combine(_root, "tensorguard.yml"), "version: 1\nextends: default\norganisation:\n  commercal: true\n  denied-licenses: [llama-3.1]\n");

        CliResult result = Run(".", "policy", "validate");

        Assert.Equal(3, result.ExitCode);
        Assert.Equal(2, result.ErrorLines.Count(line => line.StartsWith("error: ", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("check", "a GGUF file")]
    [InlineData("fingerprint", "an ONNX file")]
    [InlineData("classify", "<tensorguard|paper>")]
    [InlineData("policy init", "--allow-licenses")]
    [InlineData("policy add-base", "--alias <ORG/NAME>")]
    public void Help_ListsFormatsAndLowercaseValues(string command, string expected)
    {
        CliResult result = CliRun.Invoke([.. command.Split(' '), "--help"]);

        Assert.Contains(expected, result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("TensorGuard]", result.Output, StringComparison.Ordinal);
    }
}
