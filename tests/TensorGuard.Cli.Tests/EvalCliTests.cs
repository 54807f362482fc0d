using System.Text.Json;
using TensorGuard.ModelFactory;

namespace TensorGuard.Cli.Tests;

public sealed class EvalCliTests : IDisposable
{
    private static readonly string Labels = Path.Combine(RepositoryFiles.ReferenceFingerprints, "labels.tsv");
    private static readonly string Derivatives = Path.Combine(RepositoryFiles.ReferenceFingerprints, "derivatives");

    private readonly string scratch = Directory.CreateTempSubdirectory("tensorguard-eval-").FullName;

    public void Dispose() => Directory.Delete(scratch, recursive: true);

    [Fact]
    public void Eval_PublishedSet_MeetsTheAccuracyFloor()
    {
        CliResult result = CliRun.Invoke("eval", "--policy", RepositoryFiles.DefaultPolicy, "--labels", Labels, Derivatives, "--json");

        Assert.Equal((0, ""), (result.ExitCode, result.Error));
        using var json = JsonDocument.Parse(result.Output);
        JsonElement root = json.RootElement;
        Assert.Equal(25, root.GetProperty("total").GetInt32());
        Assert.True(root.GetProperty("accuracy").GetDouble() >= 0.96, result.Output);
        Assert.Equal(25, root.GetProperty("results").GetArrayLength());
        Assert.Equal(root.GetProperty("classes").GetArrayLength(), root.GetProperty("confusion").GetArrayLength());
        Assert.Contains(root.GetProperty("families").EnumerateArray(), f => f.GetProperty("family").GetString() == "llama" && f.GetProperty("support").GetInt32() == 8);
    }

    [Fact]
    public void Eval_Text_ShowsAccuracyPerFamilyScoresAndConfusionMatrix()
    {
        CliResult result = CliRun.Invoke("eval", "--policy", RepositoryFiles.DefaultPolicy, "--labels", Labels, Derivatives);

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("method tensorguard: ", result.Output);
        Assert.Contains("family    precision  recall  support", result.Output);
        Assert.Contains("confusion matrix (rows: labelled family, columns: predicted)", result.Output);
        Assert.Contains("misclassified", result.Output);
    }

    [Fact]
    public void Eval_PaperMethod_ListsItsMisclassifiedModels()
    {
        CliResult result = CliRun.Invoke("eval", "--policy", RepositoryFiles.DefaultPolicy, "--labels", Labels, Derivatives, "--method", "paper", "--json");

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Output);
        JsonElement root = json.RootElement;
        int total = root.GetProperty("total").GetInt32();
        int correct = root.GetProperty("correct").GetInt32();
        Assert.Equal(total - correct, root.GetProperty("misclassified").GetArrayLength());
        Assert.All(root.GetProperty("misclassified").EnumerateArray(), m => Assert.NotEqual(m.GetProperty("expected").GetString(), m.GetProperty("predicted").GetString()));
    }

    [Fact]
    public void Eval_WholePublishedFolder_SkipsThePolicyBases()
    {
        string folder = Path.Combine(scratch, "set");
        Directory.CreateDirectory(Path.Combine(folder, "bases"));
        foreach (string file in Directory.GetFiles(Path.Combine(RepositoryFiles.Root, "policies", "fingerprints"), "*.json"))
        {
            File.Copy(file, Path.Combine(folder, "bases", Path.GetFileName(file)));
        }

        CliResult result = CliRun.Invoke("eval", "--policy", RepositoryFiles.DefaultPolicy, "--labels", Labels, folder, Derivatives, "--json");

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Output);
        Assert.Equal(25, json.RootElement.GetProperty("total").GetInt32());
        Assert.Equal(8, json.RootElement.GetProperty("skipped").GetArrayLength());
    }

    [Fact]
    public void Eval_CrossValidate_ScoresEveryLabelledModelHeldOut()
    {
        CliResult result = CliRun.Invoke("eval", "--policy", RepositoryFiles.DefaultPolicy, "--labels", Labels, Derivatives, "--cross-validate");

        Assert.Equal((0, ""), (result.ExitCode, result.Error));
        Assert.StartsWith("method tensorguard, leave-one-out over 33 labelled models: ", result.Output);
        Assert.Contains("missed-unknown (family left out)", result.Output);
        Assert.Contains("unknown detection: false-unknown ", result.Output);
        Assert.Contains("nested leave-one-out (ν and cap chosen among 30 grid points on the other models each time): ", result.Output);
        Assert.Contains("ν = 0.3, cap 3 in ", result.Output);
    }

    [Fact]
    public void Eval_Plot_WritesAPng()
    {
        string plot = Path.Combine(scratch, "eval.png");

        CliResult result = CliRun.Invoke("eval", "--policy", RepositoryFiles.DefaultPolicy, "--labels", Labels, Derivatives, "--plot", plot);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal((byte)0x89, File.ReadAllBytes(plot)[0]);
    }

    [Fact]
    public void Eval_NoLabelledFingerprint_IsInvalidInput()
    {
        string labels = Path.Combine(scratch, "labels.tsv");
        File.WriteAllText(labels, "model_name\tfamily\nsomething-else\tllama\n");

        CliResult result = CliRun.Invoke("eval", "--policy", RepositoryFiles.DefaultPolicy, "--labels", labels, Derivatives);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("no labelled fingerprint to evaluate", Assert.Single(result.ErrorLines));
    }

    [Fact]
    public void Eval_MissingFolder_IsInvalidInput()
    {
        CliResult result = CliRun.Invoke("eval", "--policy", RepositoryFiles.DefaultPolicy, "--labels", Labels, Path.Combine(scratch, "missing"));

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("no such file or folder", Assert.Single(result.ErrorLines));
    }
}
