using System.Text.Json;
using TensorGuard.Core.Tests.Gate;
using TensorGuard.GitHub.Fake;
using TensorGuard.ModelFactory;

namespace TensorGuard.Cli.Tests;

/// <summary>
/// Runs <c>tensorguard action</c> as a real process, the way the container entrypoint runs in a workflow: inputs in
/// <c>INPUT_*</c> variables (hyphens kept), a pull_request event file, the runner's output and summary files, and a
/// local stand-in for the GitHub REST API on 127.0.0.1.
/// </summary>
public sealed class ActionEndToEndTests : IAsyncLifetime
{
    private const string Token = "ghs_end_to_end_secret_0123456789";
    private const string Policy = """
        version: 1
        licenses:
          - id: apache-2.0
            name: Apache License 2.0
            commercial: true
            allows-relicensing: true
          - id: mit
            name: MIT License
            commercial: true
            allows-relicensing: true
        families:
          - id: demo
            name: Demo
            bases:
              - name: Demo-Base
                license: apache-2.0
                fingerprint: fingerprints/phi-4_features.json
              - name: Demo-Other
                license: apache-2.0
                fingerprint: fingerprints/Mistral-7B-v0.1_features.json
        organisation:
          commercial: true
          allowed-licenses: [apache-2.0]
        rules:
          unknown-lineage: off
          undeclared-base: off
        """;

    private readonly string _workspace = Path.Combine(Path.GetTempPath(), "tensorguard-action-tests", Guid.NewGuid().ToString("N"));
    private FakeGitHubServer _server = null!;
    private int _step;

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(_workspace);
        File.WriteAllText(Path.Combine(_workspace, "tensorguard.yml"), Policy);
        Directory.CreateDirectory(Path.Combine(_workspace, "fingerprints"));
        foreach (string name in new[] { "phi-4_features.json", "Mistral-7B-v0.1_features.json" })
        {
            File.Copy(Path.Combine(RepositoryFiles.Root, "policies", "fingerprints", name), Path.Combine(_workspace, "fingerprints", name));
        }
        _server = await FakeGitHubServer.StartAsync(Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_workspace, recursive: true);
    }

    private void WriteModel(string license) =>
        TestModels.Create(ModelFamily.Llama, seed: 5)
            .WithCard(card => card with { License = license, ModelName = "acme-chat" })
            .Save(Path.Combine(_workspace, "models", "acme-chat"));

    private void WriteEvent(bool fromFork) =>
        File.WriteAllText(Path.Combine(_workspace, "event.json"), """
            {"action":"synchronize","number":7,"pull_request":{"number":7,
             "head":{"sha":"abc1234","repo":{"full_name":"HEAD_OWNER/models"}},
             "base":{"repo":{"full_name":"acme/models"}}}}
            """.Replace("HEAD_OWNER", fromFork ? "someone" : "acme", StringComparison.Ordinal));

    /// <summary>One step: fresh GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, every input set as the runner sets it.</summary>
    private (CliResult Result, Dictionary<string, string> Outputs, string Summary) RunStep(params (string Name, string Value)[] inputs)
    {
        _step++;
        string outputFile = Path.Combine(_workspace, $"output-{_step}.txt");
        string summaryFile = Path.Combine(_workspace, $"summary-{_step}.md");
        File.WriteAllText(outputFile, string.Empty);
        File.WriteAllText(summaryFile, string.Empty);
        var environment = new Dictionary<string, string>
        {
            ["GITHUB_ACTIONS"] = "true",
            ["GITHUB_WORKSPACE"] = _workspace,
            ["GITHUB_REPOSITORY"] = "acme/models",
            ["GITHUB_API_URL"] = _server.ApiUrl.AbsoluteUri,
            ["GITHUB_SERVER_URL"] = "https://github.example",
            ["GITHUB_RUN_ID"] = "99",
            ["GITHUB_SHA"] = "abc1234",
            ["GITHUB_EVENT_NAME"] = "pull_request",
            ["GITHUB_EVENT_PATH"] = Path.Combine(_workspace, "event.json"),
            ["GITHUB_OUTPUT"] = outputFile,
            ["GITHUB_STEP_SUMMARY"] = summaryFile,
            ["GITHUB_TOKEN"] = string.Empty,
            ["TENSORGUARD_CACHE_DIR"] = Path.Combine(_workspace, ".cache"),
            ["INPUT_MODELS"] = "models/acme-chat",
            ["INPUT_POLICY"] = "tensorguard.yml",
            ["INPUT_MODEL-NAME"] = string.Empty,
            ["INPUT_LICENSE"] = string.Empty,
            ["INPUT_BASE-MODEL"] = string.Empty,
            ["INPUT_FAIL-ON"] = string.Empty,
            ["INPUT_COMMENT"] = "always",
            ["INPUT_GITHUB-TOKEN"] = Token,
            ["INPUT_SARIF-FILE"] = "tensorguard.sarif",
            ["INPUT_REPORT-DIR"] = "tensorguard-report",
        };
        foreach ((string name, string value) in inputs)
        {
            environment[name] = value;
        }

        CliResult result = CliProcess.Run(_workspace, environment, "action");
        Assert.DoesNotContain(Token, result.Output + result.Error);
        return (result, RunnerOutputFile.Parse(File.ReadAllText(outputFile)), File.ReadAllText(summaryFile));
    }

    [Fact]
    public void Action_PullRequestRuns_CreateThenUpdateThenResolveOneComment()
    {
        WriteModel(license: "mit");
        WriteEvent(fromFork: false);

        (CliResult first, Dictionary<string, string> outputs, string summary) = RunStep();

        Assert.True(first.ExitCode == 2, first.Output + first.Error);
        Assert.Equal("fail", outputs["verdict"]);
        Assert.NotEqual("0", outputs["violations"]);
        Assert.Equal("tensorguard-report/tensorguard-report.md", outputs["report"]);
        Assert.True(File.Exists(Path.Combine(_workspace, outputs["report"])));
        Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(outputs["families"]).RootElement.ValueKind);
        Assert.Equal(1, JsonDocument.Parse(outputs["evidence"]).RootElement.EnumerateObject().Sum(level => level.Value.GetInt32()));
        Assert.StartsWith("## ❌ TensorGuard: fail", summary);
        int licenseLine = Array.FindIndex(File.ReadAllLines(Path.Combine(_workspace, "models", "acme-chat", "README.md")), l => l.StartsWith("license:", StringComparison.Ordinal)) + 1;
        Assert.Contains($"::error file=models/acme-chat/README.md,line={licenseLine},title=TensorGuard license-denied", first.Output);
        using (JsonDocument sarif = JsonDocument.Parse(File.ReadAllText(Path.Combine(_workspace, "tensorguard.sarif"))))
        {
            Assert.Equal("2.1.0", sarif.RootElement.GetProperty("version").GetString());
        }

        FakeComment created = Assert.Single(_server.Comments);
        Assert.StartsWith("<!-- tensorguard-report state=failing -->", created.Body);
        Assert.Equal(["GET", "POST"], _server.Requests.Select(r => r.Method));

        (CliResult second, _, _) = RunStep();

        Assert.Equal(2, second.ExitCode);
        Assert.Equal(created.Id, Assert.Single(_server.Comments).Id);
        Assert.Equal("PATCH", _server.Requests[^1].Method);

        WriteModel(license: "apache-2.0");
        (CliResult fixedRun, Dictionary<string, string> fixedOutputs, _) = RunStep(("INPUT_COMMENT", "on-failure"));

        Assert.True(fixedRun.ExitCode == 0, fixedRun.Output + fixedRun.Error);
        Assert.Equal("pass", fixedOutputs["verdict"]);
        FakeComment resolved = Assert.Single(_server.Comments);
        Assert.StartsWith("<!-- tensorguard-report state=resolved -->", resolved.Body);
        Assert.Contains("**Resolved:**", resolved.Body);
        Assert.All(_server.Requests, request => Assert.True(_server.IsAuthorized(request.Authorization)));
    }

    [Fact]
    public void Action_NoPolicyInTheWorkspace_SaysTheBundledPolicyWasUsedFirstInLogSummaryAndComment()
    {
        File.Delete(Path.Combine(_workspace, "tensorguard.yml"));
        WriteModel(license: "apache-2.0");
        WriteEvent(fromFork: false);

        (CliResult result, _, string summary) = RunStep(("INPUT_POLICY", string.Empty));

        Assert.StartsWith("warning: no repository policy found", result.Output, StringComparison.Ordinal);
        Assert.Single(result.Output.Split('\n'), line => line.StartsWith("::warning title=TensorGuard bundled default policy::no repository policy found", StringComparison.Ordinal));
        Assert.Contains("> ⚠️ **Bundled default policy**", summary.Split('\n')[0], StringComparison.Ordinal);
        Assert.Contains("**Bundled default policy**", Assert.Single(_server.Comments).Body.Split('\n')[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Action_PolicyUnderDotGithubAsYaml_IsFoundWithoutThePolicyInput()
    {
        Directory.CreateDirectory(Path.Combine(_workspace, ".git"));
        Directory.CreateDirectory(Path.Combine(_workspace, ".github"));
        File.Move(Path.Combine(_workspace, "tensorguard.yml"), Path.Combine(_workspace, ".github", "tensorguard.yaml"));
        Directory.Move(Path.Combine(_workspace, "fingerprints"), Path.Combine(_workspace, ".github", "fingerprints"));
        WriteModel(license: "mit");
        WriteEvent(fromFork: false);

        (CliResult result, Dictionary<string, string> outputs, _) = RunStep(("INPUT_POLICY", string.Empty));

        // The repository policy denies MIT; the bundled one would not.
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("fail", outputs["verdict"]);
        Assert.StartsWith("TensorGuard check · policy .github/tensorguard.yaml", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Action_ForkWithReadOnlyToken_WarnsAndTheVerdictDecides()
    {
        WriteModel(license: "mit");
        WriteEvent(fromFork: true);
        _server.ReadOnly = true;

        (CliResult result, Dictionary<string, string> outputs, _) = RunStep();

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("fail", outputs["verdict"]);
        Assert.Contains("::warning::Could not comment on pull request #7: GitHub answered 403", result.Output);
        Assert.Empty(_server.Comments);
    }

    [Fact]
    public void Action_ServerErrorOnce_IsRetriedAndTheCommentCreated()
    {
        WriteModel(license: "apache-2.0");
        WriteEvent(fromFork: false);
        _server.Enqueue(new Fault(502, "GET"));

        (CliResult result, _, _) = RunStep();

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.Equal(["GET", "GET", "POST"], _server.Requests.Select(r => r.Method));
        Assert.StartsWith("<!-- tensorguard-report state=passing -->", Assert.Single(_server.Comments).Body);
    }

    [Fact]
    public void Action_UnknownFailOn_ExitsOneWithOneLine()
    {
        WriteModel(license: "apache-2.0");
        WriteEvent(fromFork: false);

        (CliResult result, _, _) = RunStep(("INPUT_FAIL-ON", "sometimes"));

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(["error: input fail-on is 'sometimes'; use one of error, warning, never"], result.ErrorLines);
        Assert.Contains("::error title=TensorGuard::input fail-on is 'sometimes'; use one of error, warning, never", result.Output, StringComparison.Ordinal);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public void Action_OnlyChangedWithoutBaseHistory_IsAnErrorAnnotationNotASilentRun()
    {
        WriteModel(license: "apache-2.0");
        WriteEvent(fromFork: false);
        Git("init", "-q", "-b", "feature");

        (CliResult result, _, _) = RunStep(("INPUT_ONLY-CHANGED", "true"), ("GITHUB_BASE_REF", "main"));

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("::error title=TensorGuard::cannot compare with 'origin/main'", result.Output, StringComparison.Ordinal);
        Assert.Contains("fetch-depth: 0", result.Output, StringComparison.Ordinal);
    }

    private void Git(params string[] arguments) => TestGit.Run(_workspace, arguments);
}
