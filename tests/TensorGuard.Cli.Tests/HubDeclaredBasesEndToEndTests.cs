using System.Text.Json;
using System.Text.Json.Nodes;
using TensorGuard.Hub.Fake;

namespace TensorGuard.Cli.Tests;

/// <summary>
/// Declared bases read from the Hub stand-in through <c>check</c> and the action as processes: the license a base's
/// own card declares against the policy's facts (agree, disagree, none), and declared bases the policy does not list
/// (derived: their card's license governs; not derived: base-mismatch; gated or offline: lineage-unverified).
/// The demo policy's Llama base loses its lineage sketch, so declaring it sends the gate to the Hub.
/// </summary>
public sealed class HubDeclaredBasesEndToEndTests(DemoRepository repository) : IClassFixture<DemoRepository>, IAsyncLifetime
{
    private const string HubToken = "hf_declared_bases_secret_token";
    private const string LlamaCard = "license: llama3.1\nmodel_name: Llama-SuperChat-8B";
    private FakeHubServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await FakeHubServer.StartAsync();
        string llama = Path.Combine(repository.Root, "demo", "bases", "meta-llama_Llama-3.1-8B");
        string mistral = Path.Combine(repository.Root, "demo", "bases", "mistralai_Mistral-7B-v0.1");
        _server.AddRepository("meta-llama/Llama-3.1-8B", Files(llama, "license: llama3.1"));
        // Any ORG/Llama-3.1-8B names the policy's Llama-3.1-8B (bases are matched by name).
        _server.AddRepository("relabel/Llama-3.1-8B", Files(llama, "license: apache-2.0"));
        _server.AddRepository("nolicense/Llama-3.1-8B", Files(llama, "model_name: Llama-3.1-8B"));
        _server.AddRepository("acme/base-8b", Files(llama, "license: llama3.1"));
        _server.AddRepository("acme/odd-8b", Files(llama, "license: other\nlicense_name: acme-odd"));
        _server.AddRepository("acme/other-7b", Files(mistral, "license: apache-2.0"));
        _server.AddRepository("acme/gated-8b", Files(llama, "license: llama3.1"), requiredToken: HubToken);

        string fingerprints = Path.Combine(repository.Root, "demo", "fingerprints");
        string withoutSketch = Path.Combine(fingerprints, "llama-without-sketch.json");
        if (!File.Exists(withoutSketch))
        {
            JsonNode document = JsonNode.Parse(File.ReadAllText(Path.Combine(fingerprints, "meta-llama_Llama-3.1-8B.json")))!;
            document["methods"]!.AsObject().Remove("tensorguard-lineage");
            File.WriteAllText(withoutSketch, document.ToJsonString());
        }

        string policy = File.ReadAllText(Path.Combine(repository.Root, repository.Policy))
            .Replace("fingerprint: fingerprints/meta-llama_Llama-3.1-8B.json", "fingerprint: fingerprints/llama-without-sketch.json", StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(repository.Root, "demo", "declared-bases.yml"), policy);
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public void Check_BaseCardLicenseAgreesWithThePolicy_NoLicenseFinding()
    {
        Checked result = Check(Artifact("meta-llama/Llama-3.1-8B", LlamaCard));

        Assert.Contains("its model card declares license llama3.1", Test(result, "Llama-3.1-8B").GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Empty(Findings(result, "base-license-mismatch"));
    }

    [Fact]
    public void Check_BaseCardLicenseDisagrees_IsAWarningNamingBothSourcesAndTheCommit()
    {
        Checked result = Check(Artifact("relabel/Llama-3.1-8B", LlamaCard));

        JsonElement finding = Assert.Single(Findings(result, "base-license-mismatch"));
        Assert.Equal("warning", finding.GetProperty("severity").GetString());
        string message = finding.GetProperty("message").GetString()!;
        Assert.Contains("which the policy licenses under llama3.1", message, StringComparison.Ordinal);
        Assert.Contains("model card at hf://relabel/Llama-3.1-8B@", message, StringComparison.Ordinal);
        Assert.Contains("declares apache-2.0", message, StringComparison.Ordinal);
        // The policy's facts stay in force: the Llama license's notices are still required.
        Assert.NotEmpty(Findings(result, "notice-missing"));
    }

    [Fact]
    public void Check_BaseCardDeclaresNoLicense_SaysSoWithoutAFinding()
    {
        Checked result = Check(Artifact("nolicense/Llama-3.1-8B", LlamaCard));

        Assert.Contains("its model card declares no license", Test(result, "Llama-3.1-8B").GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Empty(Findings(result, "base-license-mismatch"));
    }

    [Fact]
    public void Check_UnlistedBaseDerived_IsTheDetectedBaseAndItsCardLicenseGoverns()
    {
        Checked result = Check(Artifact("acme/base-8b", "license: apache-2.0\nmodel_name: SuperChat-8B"));

        JsonElement detected = result.Artifact.GetProperty("detected");
        Assert.Equal("derived", detected.GetProperty("level").GetString());
        Assert.Equal("acme/base-8b", detected.GetProperty("base").GetString());
        Assert.Equal("llama3.1", detected.GetProperty("license").GetString());
        Assert.Contains("base sketched from hf://acme/base-8b@", Test(result, "acme/base-8b").GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Single(Findings(result, "naming"));
        Assert.Contains("llama3.1", Assert.Single(Findings(result, "license-conflict")).GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(Findings(result, "unknown-lineage"));
        Assert.Equal(2, result.Process.ExitCode);
    }

    [Fact]
    public void Check_UnlistedBaseDerivedUnderALicenseThePolicyDoesNotDescribe_IsLicenseUnknown()
    {
        Checked result = Check(Artifact("acme/odd-8b", LlamaCard));

        JsonElement finding = Assert.Single(Findings(result, "license-unknown"));
        Assert.Contains("the model card of hf://acme/odd-8b@", finding.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("declares license acme-odd", finding.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Check_UnlistedBaseNotDerived_IsBaseMismatch()
    {
        Checked result = Check(Artifact("acme/other-7b", LlamaCard));

        Assert.Equal("not-derived", Test(result, "acme/other-7b").GetProperty("verdict").GetString());
        JsonElement finding = Assert.Single(Findings(result, "base-mismatch"));
        Assert.Equal("error", finding.GetProperty("severity").GetString());
        Assert.Contains("as read from the Hub at hf://acme/other-7b@", finding.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, result.Process.ExitCode);
    }

    [Fact]
    public void Check_UnlistedBaseGatedWithoutToken_IsLineageUnverifiedSayingWhatToSet()
    {
        Checked result = Check(Artifact("acme/gated-8b", LlamaCard));

        string message = Assert.Single(Findings(result, "lineage-unverified"), f => f.GetProperty("message").GetString()!.Contains("acme/gated-8b", StringComparison.Ordinal))
            .GetProperty("message").GetString()!;
        Assert.Contains("acme/gated-8b, which the policy does not list, and it could not be read from the Hub", message, StringComparison.Ordinal);
        Assert.Contains("HF_TOKEN", message, StringComparison.Ordinal);
        Assert.NotEqual("compliant", result.Artifact.GetProperty("status").GetString());
    }

    [Fact]
    public void Check_Offline_IsLineageUnverifiedWithTheReason()
    {
        Checked result = Check(Artifact("acme/base-8b", LlamaCard), CliProcess.UnreachableHub);

        string message = Assert.Single(Findings(result, "lineage-unverified"), f => f.GetProperty("message").GetString()!.Contains("acme/base-8b", StringComparison.Ordinal))
            .GetProperty("message").GetString()!;
        Assert.Contains("could not be read from the Hub (cannot reach hub.invalid", message, StringComparison.Ordinal);
        Assert.NotEqual("derived", result.Artifact.GetProperty("detected").GetProperty("level").GetString());
    }

    [Fact]
    public void Action_GatedUnlistedBaseWithTheHfTokenInput_IsProven()
    {
        string folder = Artifact("acme/gated-8b", LlamaCard);
        string output = Path.Combine(repository.Root, $"output-{Guid.NewGuid():N}.txt");
        string summary = Path.Combine(repository.Root, $"summary-{Guid.NewGuid():N}.md");
        string reports = "reports-" + Guid.NewGuid().ToString("N");
        File.WriteAllText(output, string.Empty);
        File.WriteAllText(summary, string.Empty);
        Dictionary<string, string> environment = repository.Environment();
        foreach ((string name, string value) in new Dictionary<string, string>
        {
            ["GITHUB_ACTIONS"] = "true",
            ["GITHUB_WORKSPACE"] = repository.Root,
            ["GITHUB_REPOSITORY"] = "acme/models",
            ["GITHUB_EVENT_NAME"] = "push",
            ["GITHUB_OUTPUT"] = output,
            ["GITHUB_STEP_SUMMARY"] = summary,
            ["GITHUB_TOKEN"] = string.Empty,
            ["HF_ENDPOINT"] = _server.Endpoint.AbsoluteUri,
            ["HF_TOKEN"] = string.Empty,
            ["HUGGING_FACE_HUB_TOKEN"] = string.Empty,
            ["INPUT_MODELS"] = Path.GetRelativePath(repository.Root, folder),
            ["INPUT_POLICY"] = Path.Combine("demo", "declared-bases.yml"),
            ["INPUT_COMMENT"] = "never",
            ["INPUT_REPORT-DIR"] = reports,
            ["INPUT_HF-TOKEN"] = HubToken,
        })
        {
            environment[name] = value;
        }

        CliResult result = CliProcess.Run(repository.Root, environment, "action");

        Assert.DoesNotContain(HubToken, result.Output + result.Error, StringComparison.Ordinal);
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(Path.Combine(repository.Root, reports, "tensorguard-report.json")));
        JsonElement detected = json.RootElement.GetProperty("artifacts")[0].GetProperty("detected");
        Assert.Equal("derived", detected.GetProperty("level").GetString());
        Assert.Equal("acme/gated-8b", detected.GetProperty("base").GetString());
        Assert.Contains(_server.Requests, r => r.Path.Contains("acme/gated-8b", StringComparison.Ordinal) && r.Status == 200);
    }

    private static Dictionary<string, byte[]> Files(string directory, string frontMatter)
    {
        Dictionary<string, byte[]> files = Directory.GetFiles(directory).ToDictionary(file => Path.GetFileName(file), File.ReadAllBytes);
        files["README.md"] = System.Text.Encoding.UTF8.GetBytes($"---\n{frontMatter}\n---\n\n# A base model\n");
        return files;
    }

    private string Artifact(string baseModel, string frontMatter)
    {
        string folder = Path.Combine(repository.Root, $"declared-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        foreach (string file in Directory.GetFiles(Path.Combine(repository.Root, "demo", "superchat-8b")))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }

        File.WriteAllText(Path.Combine(folder, "README.md"), $"---\nbase_model: {baseModel}\n{frontMatter}\n---\n\nBuilt with Llama\n");
        return folder;
    }

    private Checked Check(string folder, string? endpoint = null)
    {
        string reports = Path.Combine(repository.Root, "reports-" + Guid.NewGuid().ToString("N"));
        Dictionary<string, string> environment = repository.Environment();
        environment["HF_ENDPOINT"] = endpoint ?? _server.Endpoint.AbsoluteUri;
        environment["HF_TOKEN"] = string.Empty;
        environment["HUGGING_FACE_HUB_TOKEN"] = string.Empty;
        CliResult result = CliProcess.Run(repository.Root, environment, "check", "--policy", Path.Combine("demo", "declared-bases.yml"),
            Path.GetRelativePath(repository.Root, folder), "--report-dir", reports, "--format", "json");
        Assert.True(File.Exists(Path.Combine(reports, "tensorguard-report.json")), result.Output + result.Error);
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(Path.Combine(reports, "tensorguard-report.json")));
        return new Checked(result, json.RootElement.GetProperty("artifacts")[0].Clone());
    }

    private static JsonElement Test(Checked result, string baseName) =>
        result.Artifact.GetProperty("detected").GetProperty("lineage").EnumerateArray().Single(t => t.GetProperty("base").GetString() == baseName);

    private static JsonElement[] Findings(Checked result, string rule) =>
        result.Artifact.GetProperty("findings").EnumerateArray().Where(f => f.GetProperty("rule").GetString() == rule).ToArray();

    private sealed record Checked(CliResult Process, JsonElement Artifact);
}
