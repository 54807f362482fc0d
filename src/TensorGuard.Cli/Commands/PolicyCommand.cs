using System.CommandLine;
using System.Globalization;
using TensorGuard.Core;
using TensorGuard.Core.Classification;
using TensorGuard.Core.Policy;

namespace TensorGuard.Cli.Commands;

/// <summary><c>tensorguard policy init|validate|add-base</c>: work with policy files.</summary>
internal static class PolicyCommand
{
    private static readonly Argument<FileInfo?> File = new("FILE")
    {
        Description = "The policy YAML to validate. Default: the policy check would use (see check --policy).",
        Arity = ArgumentArity.ZeroOrOne,
    };

    private static readonly Option<bool> Commercial = new("--commercial") { Description = "The models ship in a commercial product: non-commercial and unknown licenses are errors." };

    private static readonly Option<string[]> AllowLicenses = new("--allow-licenses")
    {
        Description = "License ids the organisation accepts (Hub ids or the bundled policy's, e.g. apache-2.0,mit,llama3.1); repeat or separate with commas. Default: every license.",
        AllowMultipleArgumentsPerToken = true,
    };

    private static readonly Option<FileInfo?> Output = new("--path")
    {
        Description = $"Where to write the policy. Default: {PolicyStarter.DefaultPath} at the repository root (the folder with .git), else in the current directory.",
    };

    private static readonly Option<bool> Force = new("--force") { Description = "Overwrite an existing policy file." };

    public static Command Create()
    {
        var validate = new Command("validate", "Validate a policy file; every problem is listed with file:line:column and what to write instead.")
        {
            File,
        };
        validate.SetAction(parseResult => CommandRunner.Run(parseResult, context => Validate(parseResult, context)));
        var init = new Command("init", $"Write a commented starter policy ({PolicyStarter.DefaultPath}) that extends the bundled families, bases and licenses.")
        {
            Commercial, AllowLicenses, Output, Force,
        };
        init.SetAction(parseResult => CommandRunner.Run(parseResult, context => Init(parseResult, context)));
        return new Command("policy", "Start, validate and extend policy files.")
        {
            init,
            validate,
            AddBaseCommand.Create(),
        };
    }

    /// <summary>Where a new policy goes when no path is given: <see cref="PolicyStarter.DefaultPath"/> at the repository root.</summary>
    public static string DefaultNewPolicyPath() =>
        Path.Combine(RepositoryRoot.Of(Directory.GetCurrentDirectory()), PolicyStarter.DefaultPath);

    private static ExitCode Init(ParseResult parseResult, CommandContext context)
    {
        string path = parseResult.GetValue(Output)?.FullName ?? DefaultNewPolicyPath();
        string[] licenses = [.. (parseResult.GetValue(AllowLicenses) ?? []).SelectMany(value => value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];
        if (System.IO.File.Exists(path) && !parseResult.GetValue(Force))
        {
            throw new UsageException($"{path} already exists; edit it, or pass --force to replace it.");
        }

        PolicyUsed existing = PolicyDiscovery.Find(null, Path.GetDirectoryName(path)!, PolicyLocator.Bundled);
        if (!existing.Bundled && Path.GetFullPath(existing.Path) != Path.GetFullPath(path))
        {
            throw new UsageException($"the repository already has a policy, {existing.Path}; edit it, or remove it first.");
        }

        string text = PolicyStarter.Text(parseResult.GetValue(Commercial), licenses);

        // Validate before writing, so a mistyped --allow-licenses id leaves no file behind.
        PolicyLoader.Read(YamlTreeReader.Read(text, path), path, RepositoryRoot.Of(Path.GetDirectoryName(path)!), PolicyLocator.Bundled);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllText(path, text);
        context.Output.WriteLine($"wrote {path}: extends the bundled policy; commercial: {(parseResult.GetValue(Commercial) ? "true" : "false")}"
            + (licenses.Length > 0 ? $"; allowed licenses: {string.Join(", ", licenses)}" : "; every license allowed")
            + ". Next: tensorguard check MODEL_PATH (or list models: in the policy).");
        return ExitCode.Success;
    }

    private static ExitCode Validate(ParseResult parseResult, CommandContext context)
    {
        PolicyUsed used = PolicyDiscovery.Find(parseResult.GetValue(File)?.ToString(), Directory.GetCurrentDirectory(), PolicyLocator.Bundled);
        PolicyDocument policy = PolicyLoader.Load(used, PolicyLocator.Bundled);
        if (used.Bundled)
        {
            context.Error.WriteLine($"warning: no repository policy found ({string.Join(", ", PolicyDiscovery.Candidates)}); validating TensorGuard's bundled policy {used.Path}.");
        }

        // Reading every base's fingerprint validates it too, and tells whether check can run lineage tests.
        IReadOnlyList<ReferenceBase> bases = PolicyReferences.Load(policy);
        LineageReferences lineage = PolicyReferences.LoadSketches(policy, bases);
        context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{used.Path}: valid — {policy.Families.Count} families, {policy.Bases.Count()} bases, {policy.Licenses.Count} licenses, {policy.Exemptions.Count} exceptions, {policy.Models.Count} model patterns; fails on {policy.FailOn.ToString().ToLowerInvariant()}; "
            + $"{lineage.Sketched.Count} of {policy.Bases.Count()} bases carry a lineage sketch (check tests lineage against those; the others are classifier only)"
            + $"{(lineage.Unbuilt.Count > 0 ? $"; {lineage.Unbuilt.Count} catalogue bases are not built yet." : ".")}"));
        if (bases.Count == 1)
        {
            context.Output.WriteLine("note: with one base the family classifier is skipped; check decides by the lineage test against it alone.");
        }

        DateOnly today = DateOnly.FromDateTime(DateTime.UtcNow);
        foreach (PolicyExemption expired in policy.Exemptions.Where(e => e.HasExpired(today)))
        {
            context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"warning: {used.Path}:{expired.Position}: the exception for {expired.RuleId} on '{expired.ModelPattern}' expired on {expired.Expires:yyyy-MM-dd}."));
        }

        return ExitCode.Success;
    }
}
