using System.Text.Json;
using System.Text.Json.Nodes;
using TensorGuard.Hub.Fake;

namespace TensorGuard.Cli.Tests;

/// <summary>
/// Declared bases verified from the Hub: the demo policy's Llama base loses its lineage sketch, its weights are served
/// by the Hub stand-in as meta-llama/Llama-3.1-8B, and <c>check</c> runs as a process with HF_ENDPOINT pointing there.
/// </summary>
public sealed class HubCheckEndToEndTests(DemoRepository repository) : IClassFixture<DemoRepository>, IAsyncLifetime
{
    private FakeHubServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await FakeHubServer.StartAsync();
        _server.AddRepository("meta-llama/Llama-3.1-8B", Path.Combine(repository.Root, "demo", "bases", "meta-llama_Llama-3.1-8B"));
        string fingerprints = Path.Combine(repository.Root, "demo", "fingerprints");
        JsonNode document = JsonNode.Parse(File.ReadAllText(Path.Combine(fingerprints, "meta-llama_Llama-3.1-8B.json")))!;
        document["methods"]!.AsObject().Remove("tensorguard-lineage");
        File.WriteAllText(Path.Combine(fingerprints, "llama-without-sketch.json"), document.ToJsonString());
        string policy = File.ReadAllText(Path.Combine(repository.Root, repository.Policy))
            .Replace("fingerprint: fingerprints/meta-llama_Llama-3.1-8B.json", "fingerprint: fingerprints/llama-without-sketch.json", StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(repository.Root, "demo", "hub-on.yml"), policy);
        File.WriteAllText(Path.Combine(repository.Root, "demo", "hub-off.yml"), policy + "\nhub: off\n");
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public void Check_DeclaredBaseWithoutSketch_IsProvenFromTheHub()
    {
        string folder = Artifact("superchat-8b", "base_model: meta-llama/Llama-3.1-8B\nlicense: llama3.1\nmodel_name: Llama-SuperChat-8B");

        (CliResult result, JsonElement lineage) = Check(folder, "hub-on.yml", _server.Endpoint.AbsoluteUri);

        JsonElement llama = lineage.EnumerateArray().Single(t => t.GetProperty("base").GetString() == "Llama-3.1-8B");
        Assert.Equal("derived", llama.GetProperty("verdict").GetString());
        Assert.Contains("base sketched from hf://meta-llama/Llama-3.1-8B@", llama.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("base-mismatch", result.Output, StringComparison.Ordinal);
        Assert.Contains(_server.Requests, r => r.Host == FakeHost.Cdn);
    }

    [Fact]
    public void Check_DeclaredBaseTheHubSketchRefutes_IsBaseMismatch()
    {
        string folder = Artifact("mistral-support-ft", "base_model: meta-llama/Llama-3.1-8B\nlicense: llama3.1\nmodel_name: Llama-Support");

        (CliResult result, JsonElement lineage) = Check(folder, "hub-on.yml", _server.Endpoint.AbsoluteUri);

        Assert.Equal("not-derived", lineage.EnumerateArray().Single(t => t.GetProperty("base").GetString() == "Llama-3.1-8B").GetProperty("verdict").GetString());
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("base-mismatch: declares base model meta-llama/Llama-3.1-8B (Llama-3.1-8B)", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_HubUnreachable_SaysTheLineageIsNotVerified()
    {
        string folder = Artifact("superchat-8b", "base_model: meta-llama/Llama-3.1-8B\nlicense: llama3.1\nmodel_name: Llama-SuperChat-8B");

        (_, JsonElement lineage) = Check(folder, "hub-on.yml", "http://127.0.0.1:1/");

        JsonElement llama = lineage.EnumerateArray().Single(t => t.GetProperty("base").GetString() == "Llama-3.1-8B");
        Assert.Equal("inconclusive", llama.GetProperty("verdict").GetString());
        Assert.Contains("lineage not verified: the declared base meta-llama/Llama-3.1-8B could not be read from the Hub (cannot reach 127.0.0.1", llama.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Check_PolicyHubOff_MakesNoRequest()
    {
        string folder = Artifact("superchat-8b", "base_model: meta-llama/Llama-3.1-8B\nlicense: llama3.1\nmodel_name: Llama-SuperChat-8B");

        (_, JsonElement lineage) = Check(folder, "hub-off.yml", _server.Endpoint.AbsoluteUri);

        Assert.Empty(_server.Requests);
        Assert.DoesNotContain(lineage.EnumerateArray(), t => t.GetProperty("base").GetString() == "Llama-3.1-8B");
    }

    private string Artifact(string demoModel, string frontMatter)
    {
        string folder = Path.Combine(repository.Root, $"hub-{demoModel}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        foreach (string file in Directory.GetFiles(Path.Combine(repository.Root, "demo", demoModel)))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }

        File.WriteAllText(Path.Combine(folder, "README.md"), $"---\n{frontMatter}\n---\n\nBuilt with Llama\n");
        return folder;
    }

    private (CliResult Result, JsonElement Lineage) Check(string folder, string policy, string endpoint)
    {
        string reports = Path.Combine(repository.Root, "reports-" + Guid.NewGuid().ToString("N"));
        Dictionary<string, string> environment = repository.Environment();
        environment["HF_ENDPOINT"] = endpoint;
        environment["HF_TOKEN"] = string.Empty;
        environment["TENSORGUARD_CACHE_DIR"] = Path.Combine(reports, "cache");
        CliResult result = CliProcess.Run(repository.Root, environment, "check", "--policy", Path.Combine("demo", policy),
            Path.GetRelativePath(repository.Root, folder), "--report-dir", reports, "--format", "json");
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(Path.Combine(reports, "tensorguard-report.json")));
        return (result, json.RootElement.GetProperty("artifacts")[0].GetProperty("detected").GetProperty("lineage").Clone());
    }
}
