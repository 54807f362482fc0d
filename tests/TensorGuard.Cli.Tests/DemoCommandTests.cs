using System.CommandLine;
using TensorGuard.Core.Formats;

namespace TensorGuard.Cli.Tests;

public sealed class DemoCommandTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tensorguard-tests", Guid.NewGuid().ToString("N"));

    [Fact]
    public void Demo_WithOut_WritesTheSetAndChecksEveryArtifact()
    {
        (int exitCode, string output, string error) = Run("demo", "--out", _directory);

        Assert.Equal(0, exitCode);
        Assert.Equal("", error);
        Assert.Contains("3 artifacts derived from 3 stand-in bases", output);
        foreach (string name in new[] { "mistral-support-ft", "superchat-8b", "acme-assistant-3b" })
        {
            string folder = Path.Combine(_directory, name);
            Assert.True(File.Exists(Path.Combine(folder, "README.md")), name);
            Assert.True(File.Exists(Path.Combine(folder, "config.json")), name);
            Assert.Contains($"{name}: ", output);
            Assert.Contains(Path.GetRelativePath(Directory.GetCurrentDirectory(), folder), output);
        }

        Assert.Contains("The gate agrees with the ground truth on 3 of 3 demo models.", output);
        Assert.Contains("✓ mistral-support-ft  COMPLIANT", output);
        Assert.Contains("license-conflict: declares license apache-2.0, but its weights derive from Llama-3.1-8B", output);
        Assert.Contains("non-commercial: is governed by qwen-research", output);
        Assert.Contains("## ❌ TensorGuard: fail:", output);
        Assert.True(File.Exists(Path.Combine(_directory, "report", "tensorguard-report.md")));

        Assert.Contains("license apache-2.0, no base_model", output);
        Assert.Contains("expected: violation (Qwen Research License", output);
        Assert.Contains("license: other\nlicense_name: qwen-research\n", File.ReadAllText(Path.Combine(_directory, "acme-assistant-3b", "README.md")));
        using LoadedModel sharded = ModelLoader.Open(Path.Combine(_directory, "acme-assistant-3b"));
        Assert.Equal(2, sharded.Files.Count);
        Assert.All(sharded.Tensors, t => Assert.Equal(TensorDType.BF16, t.DType));
    }

    [Fact]
    public void Demo_RunTwice_WritesIdenticalFiles()
    {
        Run("demo", "--out", Path.Combine(_directory, "a"));
        Run("demo", "--out", Path.Combine(_directory, "b"));

        string[] files = Directory.GetFiles(Path.Combine(_directory, "a"), "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Path.Combine(_directory, "a"), f)).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(20 + 1 + 3 + 2, files.Length); // models, the demo policy, the bases' fingerprints, the reports
        foreach (string file in files)
        {
            Assert.Equal(WithoutReportTime(Path.Combine(_directory, "a", file)), WithoutReportTime(Path.Combine(_directory, "b", file)));
        }
    }

    /// <summary>A file's bytes, without the JSON report's <c>generatedAt</c> line: the one thing that should differ between runs.</summary>
    private static byte[] WithoutReportTime(string path) =>
        path.EndsWith(".json", StringComparison.Ordinal)
            ? System.Text.Encoding.UTF8.GetBytes(System.Text.RegularExpressions.Regex.Replace(File.ReadAllText(path), "\"generatedAt\": \"[^\"]*\"", "\"generatedAt\": \"\""))
            : File.ReadAllBytes(path);

    [Fact]
    public void Demo_OutIsAFile_FailsWithOneLine()
    {
        Directory.CreateDirectory(_directory);
        string file = Path.Combine(_directory, "taken");
        File.WriteAllText(file, "not a folder");

        (int exitCode, _, string error) = Run("demo", "--out", file);

        Assert.Equal(1, exitCode);
        Assert.StartsWith("error: cannot write the demo set to ", error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exitCode = TensorGuardCommand.Create().Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (exitCode, output.ToString(), error.ToString());
    }
}
