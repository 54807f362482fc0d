using System.Text.Json;
using TensorGuard.Hub.Fake;
using TensorGuard.ModelFactory;
using TensorGuard.Tests.Corpus;

namespace TensorGuard.Cli.Tests;

/// <summary>
/// The catalogue end to end, as the workflow and CI run it: <c>tensorguard catalogue build</c> as a process sketches
/// three bases of different shapes (one gated) over <c>hf://</c> from the Hub stand-in, then <c>tensorguard check</c>
/// runs the gate with that catalogue on derivatives of each base and on an unrelated model.
/// </summary>
public sealed class CatalogueHubTests : IAsyncLifetime
{
    private const string Token = "hf_catalogue_secret_token";

    // Repository, factory family, catalogue license, gated; three shapes (widths 64, 64 with another vocabulary and
    // grouped attention, 72).
    private static readonly (string Id, string Repo, ModelFamily Family, string License, bool Gated)[] Bases =
    [
        ("llama-small", "test-org/llama-small", ModelFamily.Llama, "test-community", false),
        ("qwen-small", "test-org/qwen-small", ModelFamily.Qwen2, "apache-2.0", false),
        ("gemma-small", "test-org/gemma-small", ModelFamily.Gemma, "test-community", true),
    ];

    private readonly TestDirectory _directory = new();
    private readonly Dictionary<string, TestModel> _models = [];
    private FakeHubServer _server = null!;

    private string Root => _directory.Path;

    private string Documents => Path.Combine(Root, "policies", "catalogue");

    public async ValueTask InitializeAsync()
    {
        _server = await FakeHubServer.StartAsync();
        foreach ((string id, string repo, ModelFamily family, _, bool gated) in Bases)
        {
            TestModel model = TestModels.Create(family, seed: 8100 + (int)family);
            _models[id] = model;
            _server.AddRepository(repo, model.Save(Path.Combine(Root, "hub", id)).Directory, requiredToken: gated ? Token : null);
        }

        Directory.CreateDirectory(Path.Combine(Root, ".git"));
        // Published gradient fingerprints give each family a classifier base; the catalogue's bases serve the lineage test only.
        Directory.CreateDirectory(Path.Combine(Root, "policies", "fingerprints"));
        foreach (string name in new[] { "Llama-3.1-8B_features.json", "Qwen2.5-3B_features.json", "gemma-3-4b-it_features.json" })
        {
            File.Copy(Path.Combine(RepositoryFiles.Root, "policies", "fingerprints", name), Path.Combine(Root, "policies", "fingerprints", name));
        }

        File.WriteAllText(Path.Combine(Root, "policies", "catalogue.yml"), "version: 1\nbases:\n" + string.Concat(Bases.Select(b =>
            $"  - {{id: {b.Id}, repo: {b.Repo}, family: {b.Id.Split('-')[0]}, license: {b.License}, gated: {(b.Gated ? "true" : "false")}}}\n")));
        File.WriteAllText(Path.Combine(Root, "policies", "policy.yml"), """
            version: 1
            catalogue: catalogue.yml
            organisation:
              commercial: true
            licenses:
              - id: test-community
                name: Test Community License
                link: https://example.invalid/test-community-license
                commercial: true
                name-prefix: TestBase
                notices:
                  - text: Built with TestBase
                    where: model-card
              - id: apache-2.0
                name: Apache License 2.0
                link: https://www.apache.org/licenses/LICENSE-2.0
                commercial: true
            families:
              - id: llama
                bases: [{name: Llama-3.1-8B, fingerprint: fingerprints/Llama-3.1-8B_features.json}]
              - id: qwen
                bases: [{name: Qwen2.5-3B, fingerprint: fingerprints/Qwen2.5-3B_features.json}]
              - id: gemma
                bases: [{name: gemma-3-4b-it, fingerprint: fingerprints/gemma-3-4b-it_features.json}]
            """);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public void Build_WithoutToken_ReportsTheGatedBaseAndBuildsTheOthers_ThenTheTokenBuildsItAlone()
    {
        CliResult first = Build(token: null);

        Assert.Equal(1, first.ExitCode);
        Assert.Contains("2 built, 0 up to date, 1 failed", first.Output, StringComparison.Ordinal);
        string gated = Assert.Single(first.ErrorLines, l => l.StartsWith("gemma-small (test-org/gemma-small): failed:", StringComparison.Ordinal));
        Assert.Contains("HF_TOKEN", gated, StringComparison.Ordinal);
        Assert.Equal(["llama-small.json", "qwen-small.json"], Directory.GetFiles(Documents).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        int requests = _server.Requests.Count;
        string summary = Path.Combine(Root, "summary.jsonl");
        CliResult second = Build(token: Token, "--summary", summary);

        Assert.True(second.ExitCode == 0, second.Output + second.Error);
        Assert.Contains("1 built, 2 up to date, 0 failed", second.Output, StringComparison.Ordinal);
        Assert.Contains(second.ErrorLines, l => l.StartsWith("gemma-small (test-org/gemma-small): built at ", StringComparison.Ordinal));
        HubRequest[] rebuild = [.. _server.Requests.Skip(requests)];
        Assert.Contains(rebuild, r => r.Host == FakeHost.Cdn);
        Assert.DoesNotContain(rebuild, r => r.Path.Contains("/resolve/", StringComparison.Ordinal) && !r.Path.Contains("gemma-small", StringComparison.Ordinal));

        // The bytes the summary reports for the gated base: at least the weight ranges the stand-in sent (all of them
        // its), at most everything the stand-in sent during the rebuild (which adds the other bases' revision look-ups).
        using JsonDocument gemma = JsonDocument.Parse(File.ReadAllLines(summary).Single(l => l.Contains("\"gemma-small\"", StringComparison.Ordinal)));
        long fetched = gemma.RootElement.GetProperty("bytesFetched").GetInt64();
        Assert.InRange(fetched, rebuild.Where(r => r.Host == FakeHost.Cdn).Sum(r => r.BytesSent), rebuild.Sum(r => r.BytesSent));
        Assert.Contains(second.ErrorLines, l => l.StartsWith("gemma-small", StringComparison.Ordinal) && l.Contains("MB fetched", StringComparison.Ordinal));
        Assert.DoesNotContain(Token, first.Output + first.Error + second.Output + second.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_WithTheBuiltCatalogue_DerivativesDeriveFromTheirBaseWithItsLicenseFindings_AndAnUnrelatedModelFromNone()
    {
        Assert.True(Build(token: Token).ExitCode == 0);
        string[] artifacts =
        [
            Artifact("llama-derivative", _models["llama-small"].FineTune(0.1, seed: 3)),
            Artifact("qwen-derivative", _models["qwen-small"].QuantizeInt8()),
            Artifact("gemma-derivative", _models["gemma-small"].PermuteMlpNeurons(seed: 4).ToGguf()),
            Artifact("unrelated", _models["llama-small"].Reinitialize(seed: 4242)),
        ];
        string reports = Path.Combine(Root, "reports");

        CliResult result = CliProcess.Run(Root, Environment(token: null), ["check", "--policy", Path.Combine("policies", "policy.yml"), .. artifacts, "--report-dir", reports, "--format", "json"]);

        Assert.True(result.ExitCode == 2, result.Output + result.Error);
        using JsonDocument report = JsonDocument.Parse(File.ReadAllText(Path.Combine(reports, "tensorguard-report.json")));
        JsonElement[] checkedArtifacts = [.. report.RootElement.GetProperty("artifacts").EnumerateArray()];
        string[] derivedFrom = ["test-org/llama-small", "test-org/qwen-small", "test-org/gemma-small"];
        for (int i = 0; i < derivedFrom.Length; i++)
        {
            JsonElement detected = checkedArtifacts[i].GetProperty("detected");
            Assert.Equal("derived", detected.GetProperty("level").GetString());
            Assert.Equal(derivedFrom[i], detected.GetProperty("base").GetString());
            Assert.Single(detected.GetProperty("lineage").EnumerateArray(), t => t.GetProperty("verdict").GetString() == "derived");
        }

        // A test-community base: the declared Apache-2.0 conflicts with it, and its name prefix and notice are missing; the
        // Apache-2.0 base asks for none of that.
        Assert.Equal(["license-conflict", "naming", "notice-missing"], ErrorRules(checkedArtifacts[0]));
        Assert.Empty(ErrorRules(checkedArtifacts[1]));
        Assert.Equal(["license-conflict", "naming", "notice-missing"], ErrorRules(checkedArtifacts[2]));

        JsonElement unrelated = checkedArtifacts[3].GetProperty("detected");
        Assert.NotEqual("derived", unrelated.GetProperty("level").GetString());
        Assert.DoesNotContain(unrelated.GetProperty("lineage").EnumerateArray(), t => t.GetProperty("verdict").GetString() == "derived");
        Assert.Empty(ErrorRules(checkedArtifacts[3]));
    }

    private CliResult Build(string? token, params string[] options) =>
        CliProcess.Run(Root, Environment(token), ["catalogue", "build", "--catalogue", Path.Combine("policies", "catalogue.yml"), "--out", Documents, .. options]);

    private Dictionary<string, string> Environment(string? token) => new()
    {
        ["HF_ENDPOINT"] = _server.Endpoint.AbsoluteUri,
        ["HF_TOKEN"] = token ?? string.Empty,
        ["HUGGING_FACE_HUB_TOKEN"] = string.Empty,
        ["TENSORGUARD_CACHE_DIR"] = Path.Combine(Root, "cache"),
    };

    /// <summary>Saves a model with a card that declares an Apache-2.0 license, a name and no base.</summary>
    private string Artifact(string name, TestModel model)
    {
        string folder = model.Save(Path.Combine(Root, "models", name)).Directory;
        File.WriteAllText(Path.Combine(folder, "README.md"), $"---\nlicense: apache-2.0\nmodel_name: Acme-{name}\n---\n\n# Acme {name}\n");
        return Path.GetRelativePath(Root, folder);
    }

    private static string[] ErrorRules(JsonElement artifact) =>
        [.. artifact.GetProperty("findings").EnumerateArray()
            .Where(f => f.GetProperty("severity").GetString() == "error" && f.GetProperty("active").GetBoolean())
            .Select(f => f.GetProperty("rule").GetString()!).Order(StringComparer.Ordinal)];
}
