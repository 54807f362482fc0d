using System.Text.Json;
using TensorGuard.ModelFactory;

namespace TensorGuard.Cli.Tests;

public sealed class ClassifyCliTests : IDisposable
{
    private readonly string scratch = Directory.CreateTempSubdirectory("tensorguard-classify-").FullName;

    private static string Derivative(string name) =>
        Path.Combine(RepositoryFiles.ReferenceFingerprints, "derivatives", name + "_features.json");

    public void Dispose() => Directory.Delete(scratch, recursive: true);

    [Fact]
    public void Classify_Json_HasTheDocumentedFieldsForEveryModel()
    {
        CliResult result = CliRun.Invoke("classify", Derivative("email-model"), Derivative("microsoft_Phi-4-reasoning"), "--policy", RepositoryFiles.DefaultPolicy, "--json");

        Assert.Equal((0, ""), (result.ExitCode, result.Error));
        using var json = JsonDocument.Parse(result.Output);
        JsonElement[] results = json.RootElement.EnumerateArray().ToArray();
        Assert.Equal(["llama", "phi"], results.Select(r => r.GetProperty("family").GetString()));
        Assert.Equal(["llama-3.2-1b", "phi-4"], results.Select(r => r.GetProperty("nearestBase").GetString()));
        Assert.All(results, r =>
        {
            Assert.Equal(JsonValueKind.False, r.GetProperty("unknown").ValueKind);
            Assert.Equal(8, r.GetProperty("distances").EnumerateObject().Count());
            // distance is to the nearest labelled model (base or reference); distances lists the bases.
            Assert.InRange(r.GetProperty("distance").GetDouble(), 0, r.GetProperty("distances").EnumerateObject().Min(d => d.Value.GetDouble()));
            Assert.Equal(JsonValueKind.String, r.GetProperty("nearestReference").ValueKind);
            Assert.InRange(r.GetProperty("confidence").GetDouble(), 0, 1);
            Assert.Equal("tensorguard", r.GetProperty("method").GetString());
        });
    }

    [Fact]
    public void Classify_Text_NamesFamilyNearestBaseAndDistances()
    {
        CliResult result = CliRun.Invoke("classify", Derivative("s1.1-3B"), "--policy", RepositoryFiles.DefaultPolicy);

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("s1.1-3B: qwen (confidence ", result.Output);
        Assert.Contains("nearest base Qwen2.5-3B at distance ", result.Output);
        Assert.Contains("  distances: Llama-3.1-8B ", result.Output);
    }

    [Fact]
    public void Classify_PaperMethod_UsesTheReferenceThreshold()
    {
        CliResult result = CliRun.Invoke("classify", Derivative("s1.1-3B"), "--policy", RepositoryFiles.DefaultPolicy, "--method", "paper", "--json");

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Output);
        JsonElement only = json.RootElement.EnumerateArray().Single();
        Assert.Equal(("paper", 7.0), (only.GetProperty("method").GetString(), only.GetProperty("unknownThreshold").GetDouble()));
    }

    [Fact]
    public void Classify_ModelOfAFamilyMissingFromThePolicy_IsUnknown()
    {
        string withoutGemma = WritePolicyWithout("gemma");

        CliResult result = CliRun.Invoke("classify", Derivative("X-Ray_Alpha"), "--policy", withoutGemma, "--json");

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Output);
        JsonElement only = json.RootElement.EnumerateArray().Single();
        Assert.Equal(("unknown", true), (only.GetProperty("family").GetString(), only.GetProperty("unknown").GetBoolean()));
    }

    [Theory]
    [InlineData("png")]
    [InlineData("svg")]
    public void Classify_Plot_WritesTheImage(string format)
    {
        string plot = Path.Combine(scratch, "plot." + format);

        CliResult result = CliRun.Invoke("classify", Derivative("email-model"), Derivative("X-Ray_Alpha"), "--policy", RepositoryFiles.DefaultPolicy, "--plot", plot);

        Assert.Equal(0, result.ExitCode);
        byte[] bytes = File.ReadAllBytes(plot);
        if (format == "png")
        {
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
            Assert.True(bytes.Length > 20_000, "a 1600×1100 plot with points and labels");
        }
        else
        {
            string svg = System.Text.Encoding.UTF8.GetString(bytes);
            Assert.Contains("<svg", svg);
            Assert.Contains("X-Ray_Alpha", svg);
            Assert.Contains("gemma-3-4b-it", svg);
        }
    }

    [Fact]
    public void Classify_PlotWithOtherExtension_IsAUsageError()
    {
        CliResult result = CliRun.Invoke("classify", Derivative("email-model"), "--policy", RepositoryFiles.DefaultPolicy, "--plot", Path.Combine(scratch, "plot.jpg"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--plot must name a .png or .svg file", result.Error);
    }

    [Theory]
    [InlineData("{\"global_mean\": 0.1, \"global_std\": 0.2, \"model_name\": \"m\"}", "required feature")]
    [InlineData("{\"global_mean\": NaN, \"global_std\": 0.2}", "not a finite number")]
    [InlineData("{\"schema\": \"tensorguard-fingerprint\", \"schemaVersion\": 1, \"model\": {\"name\": \"m\", \"parameterCount\": 1, \"files\": []}, \"methods\": {\"tensorguard-future\": {}}}", "method \"tensorguard-future\"")]
    [InlineData("{\"schema\": \"tensorguard-fingerprint\", \"schemaVersion\": 1, \"model\": {\"name\": \"m\", \"parameterCount\": 1, \"files\": []}, \"methods\": {}}", "holds no tensorguard-gradient fingerprint")]
    public void Classify_BadFingerprint_ExitsWithInvalidInputAndOneLine(string json, string expected)
    {
        string path = Path.Combine(scratch, "bad.json");
        File.WriteAllText(path, json);

        CliResult result = CliRun.Invoke("classify", path, "--policy", RepositoryFiles.DefaultPolicy);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains(expected, Assert.Single(result.ErrorLines));
    }

    [Fact]
    public void Classify_ModelPath_IsFingerprintedAndClassified()
    {
        // A tiny generated model is nothing like the real bases of the default policy; its card names it.
        TestModel tiny = TestModels.Create(ModelFamily.Llama, seed: 1);
        SavedModel model = tiny.Save(Path.Combine(scratch, "tiny-llama"));

        CliResult result = CliRun.Invoke("classify", model.Directory, "--policy", RepositoryFiles.DefaultPolicy, "--json");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains($"fingerprinting {tiny.Card!.ModelName}", result.Error);
        using var json = JsonDocument.Parse(result.Output);
        JsonElement only = json.RootElement.EnumerateArray().Single();
        Assert.Equal((tiny.Card.ModelName, "unknown", true), (only.GetProperty("name").GetString(), only.GetProperty("family").GetString(), only.GetProperty("unknown").GetBoolean()));
        Assert.True(only.GetProperty("distance").GetDouble() > only.GetProperty("unknownThreshold").GetDouble());
    }

    [Fact]
    public void Classify_BasesWithLineageSketches_SaysWhetherLineageConfirmsTheNearestBase()
    {
        // Two bases fingerprinted with both methods; a fine-tune of the first, and a look-alike of the first's
        // shapes with independent weights: both are nearest the first, only the fine-tune derives from it.
        TestModel llama = TestModels.Create(ModelFamily.Llama, seed: 5);
        string policy = Path.Combine(scratch, "policy.yml");
        foreach ((string name, TestModel model) in new[] { ("llama-base", llama), ("qwen-base", TestModels.Create(ModelFamily.Qwen2, seed: 6)) })
        {
            SavedModel saved = model.Save(Path.Combine(scratch, name));
            Assert.Equal(0, CliRun.Invoke("fingerprint", saved.Directory, "--out", Path.Combine(scratch, name + ".json")).ExitCode);
        }

        File.WriteAllText(policy, "version: 1\nfamilies:\n  - id: llama\n    bases:\n      - name: llama-base\n        fingerprint: llama-base.json\n" +
            "  - id: qwen\n    bases:\n      - name: qwen-base\n        fingerprint: qwen-base.json\n");
        SavedModel derived = llama.FineTune(0.05, seed: 7).Save(Path.Combine(scratch, "fine-tune"));
        SavedModel lookalike = llama.Reinitialize(seed: 8).Save(Path.Combine(scratch, "look-alike"));

        CliResult json = CliRun.Invoke("classify", derived.Directory, lookalike.Directory, "--policy", policy, "--json");
        CliResult text = CliRun.Invoke("classify", derived.Directory, "--policy", policy);

        Assert.Equal(0, json.ExitCode);
        using var document = JsonDocument.Parse(json.Output);
        JsonElement[] results = document.RootElement.EnumerateArray().ToArray();
        Assert.All(results, r => Assert.Equal("llama-base", r.GetProperty("nearestBase").GetString()));
        JsonElement[] lineage = results.Select(r => r.GetProperty("nearestBaseLineage")).ToArray();
        Assert.Equal(["derived", "not-derived"], lineage.Select(l => l.GetProperty("verdict").GetString()));
        Assert.True(lineage[0].GetProperty("log10PValue").GetDouble() < -6);
        Assert.True(lineage[0].GetProperty("similarity").GetDouble() > lineage[1].GetProperty("similarity").GetDouble());
        Assert.Matches(@"  lineage vs llama-base: derived \(similarity [0-9.]+, log10 p -[0-9.]+\): ", text.Output);
    }

    [Fact]
    public void Classify_PublishedFingerprint_SaysLineageWasNotTested()
    {
        CliResult result = CliRun.Invoke("classify", Derivative("s1.1-3B"), "--policy", RepositoryFiles.DefaultPolicy);

        Assert.Contains("  lineage vs Qwen2.5-3B: not tested: the base's fingerprint carries no lineage sketch", result.Output);
    }

    [Fact]
    public void Classify_MalformedModel_ExitsWithInvalidInput()
    {
        string model = Path.Combine(scratch, "model.safetensors");
        File.WriteAllBytes(model, new byte[16]);

        CliResult result = CliRun.Invoke("classify", model, "--policy", RepositoryFiles.DefaultPolicy);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("model.safetensors", result.ErrorLines[^1]);
    }

    [Theory]
    [InlineData("version: 1\nfamilies:\n  - id: llama\n    bases:\n      - name: a\n", "policy.yml:5:9: base 'a' has no fingerprint")]
    [InlineData("version: 1\nfamilies:\n  - id: llama\n", "policy.yml:3:5: family 'llama' has no base models")]
    [InlineData("version: 1\nfamilies: *x\n", "policy.yml:2:11: '*x' reads as a YAML alias")]
    public void Classify_BadPolicy_ExitsWithInvalidInputNamingTheLine(string yaml, string expected)
    {
        string policy = Path.Combine(scratch, "policy.yml");
        File.WriteAllText(policy, yaml);

        CliResult result = CliRun.Invoke("classify", Derivative("email-model"), "--policy", policy);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains(expected, Assert.Single(result.ErrorLines));
    }

    [Fact]
    public void Classify_PolicyWithOneBase_ExitsWithInvalidInput()
    {
        string policy = Path.Combine(scratch, "policy.yml");
        File.Copy(Path.Combine(RepositoryFiles.Root, "policies", "fingerprints", "phi-4_features.json"), Path.Combine(scratch, "phi.json"));
        File.WriteAllText(policy, "version: 1\nfamilies:\n  - id: phi\n    bases:\n      - name: phi-4\n        fingerprint: phi.json\n");

        CliResult result = CliRun.Invoke("classify", Derivative("email-model"), "--policy", policy);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("needs at least two", Assert.Single(result.ErrorLines));
    }

    private string WritePolicyWithout(string family)
    {
        string folder = Path.Combine(scratch, "repo");
        RepositoryFiles.CopyPolicyFingerprints(Path.Combine(folder, "fingerprints"));

        // Drop the family's block: from its "- id:" line under "families:" (licenses use ids too) to the next family.
        string[] lines = File.ReadAllLines(RepositoryFiles.DefaultPolicy);
        int families = Array.FindIndex(lines, l => l == "families:");
        int start = Array.FindIndex(lines, families + 1, l => l.Trim() == $"- id: {family}");
        int end = Array.FindIndex(lines, start + 1, l => l.TrimStart().StartsWith("- id:", StringComparison.Ordinal));
        string path = Path.Combine(folder, "policy.yml");
        File.WriteAllLines(path, lines.Take(start).Concat(end < 0 ? [] : lines.Skip(end)));

        // The catalogue the policy names comes along, without the dropped family's entries.
        string[] entries = File.ReadAllText(Path.Combine(RepositoryFiles.Root, "policies", "catalogue.yml")).Split("\n  - id: ");
        File.WriteAllText(Path.Combine(folder, "catalogue.yml"), string.Join("\n  - id: ", entries.Where(entry => !entry.Contains($"\n    family: {family}\n", StringComparison.Ordinal))));
        return path;
    }
}
