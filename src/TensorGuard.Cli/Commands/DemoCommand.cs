using System.CommandLine;
using TensorGuard.Core.Compliance;
using TensorGuard.Core.Gate;
using TensorGuard.Core.Policy;
using TensorGuard.Core.Reporting;
using TensorGuard.ModelFactory;
using TensorGuard.ModelFactory.Demo;

namespace TensorGuard.Cli.Commands;

/// <summary>
/// <c>tensorguard demo [--out DIR]</c>: writes a small demo set of derived models (see <see cref="DemoSet"/>)
/// and analyses it, so a fresh machine can see TensorGuard work with no downloads.
/// </summary>
internal static class DemoCommand
{
    private static readonly Option<DirectoryInfo> Out = new("--out")
    {
        Description = "Folder to write the demo models into.",
        DefaultValueFactory = _ => new DirectoryInfo("tensorguard-demo"),
    };

    public static Command Create()
    {
        var command = new Command("demo", "Generate a small set of derived models with model cards and check them against a demo license policy.")
        {
            Out,
        };
        command.SetAction(parseResult => CommandRunner.Run(parseResult, context => Execute(parseResult, context)));
        return command;
    }

    private static ExitCode Execute(ParseResult parseResult, CommandContext context)
    {
        string directory = parseResult.GetRequiredValue(Out).FullName;
        DemoSet demo = WriteDemoSet(directory);
        TextWriter output = context.Output;
        output.WriteLine($"Demo set written to {demo.Directory}: {demo.Artifacts.Count} artifacts derived from {demo.Bases.Count} stand-in bases (under bases/).");
        foreach (DemoArtifact artifact in demo.Artifacts)
        {
            output.WriteLine();
            output.WriteLine($"{artifact.Name}: {artifact.Scenario}");
            output.WriteLine($"  declares: {Describe(artifact.Declared)}");
            output.WriteLine($"  truly:    derived from {artifact.TrueBase.Id} ({artifact.TrueBase.License}) by {artifact.Derivation}; {artifact.Use} use");
            output.WriteLine(artifact.Compliant ? "  expected: compliant" : $"  expected: violation ({artifact.Problem})");
        }

        output.WriteLine();
        output.WriteLine("Fingerprinting the stand-in bases into a demo policy, then checking the artifacts against it…");
        string policyPath = DemoPolicy.Write(demo, PolicyLocator.Bundled);
        PolicyDocument policy = PolicyLoader.Load(policyPath);
        CheckResult result = CheckPipeline.Run(new CheckRequest(
            policy,
            demo.Artifacts.Select(artifact => artifact.Path).ToArray(),
            directory,
            IdentityOverrides.None(DeclarationSource.Override)));
        IReadOnlyList<string> reports = ReportFiles.Write(result, Path.Combine(directory, "report"), ReportOptions.DefaultFormats);

        output.WriteLine();
        output.Write(TextSummary.Render(result));
        output.WriteLine();
        output.WriteLine("──── The comment a pull request would get (" + reports[0] + ") ────");
        output.WriteLine();
        output.Write(MarkdownReport.Render(result));
        output.WriteLine("────");
        output.WriteLine();

        int agreed = 0;
        foreach (DemoArtifact artifact in demo.Artifacts)
        {
            ArtifactStatus status = result.Artifacts.Single(a => a.Path == Path.GetFullPath(artifact.Path)).Status;
            bool flagged = status is not ArtifactStatus.Compliant;
            agreed += flagged != artifact.Compliant ? 1 : 0;
            output.WriteLine($"{(flagged != artifact.Compliant ? "agrees" : "DISAGREES")}: {artifact.Name} is {(artifact.Compliant ? "compliant" : "a violation")} in truth; the gate says {status.ToString().ToLowerInvariant()}.");
        }

        output.WriteLine();
        output.WriteLine($"The gate agrees with the ground truth on {agreed} of {demo.Artifacts.Count} demo models. In CI the same check exits {(int)ExitCode.PolicyViolation} on violations; re-run it with:");
        output.WriteLine($"  tensorguard check --policy {Path.GetRelativePath(Directory.GetCurrentDirectory(), policyPath)} {string.Join(' ', demo.Artifacts.Select(a => Path.GetRelativePath(Directory.GetCurrentDirectory(), a.Path)))}");
        return agreed == demo.Artifacts.Count ? ExitCode.Success : ExitCode.Failure;
    }

    private static DemoSet WriteDemoSet(string directory)
    {
        try
        {
            return DemoSet.Write(directory);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot write the demo set to {directory} ({error.Message}); choose another folder with --out");
        }
    }

    private static string Describe(ModelCard card)
    {
        var parts = new List<string> { $"name {card.ModelName ?? "(none)"}", $"license {card.LicenseName ?? card.License ?? "(none)"}" };
        parts.Add(card.BaseModel.Count == 0 ? "no base_model" : $"base_model {string.Join(" + ", card.BaseModel)}");
        return string.Join(", ", parts);
    }
}
