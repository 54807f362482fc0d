using System.CommandLine;
using TensorGuard.Core;
using TensorGuard.Core.Classification;
using TensorGuard.Core.Fingerprints;
using TensorGuard.Core.Formats;
using TensorGuard.Core.Policy;

namespace TensorGuard.Cli.Commands;

/// <summary>
/// <c>tensorguard policy add-base MODEL --family F --name N --license L [--alias ORG/NAME]... [--policy FILE]</c>:
/// fingerprints a base model the user has locally, writes the fingerprint next to the policy and adds the base to the
/// policy file, creating a starter policy (<see cref="PolicyStarter"/>) when there is none.
/// </summary>
internal static class AddBaseCommand
{
    private static readonly Argument<string> Model = new("MODEL") { Description = $"The base model: {PolicyHelp.ModelInputs}." };

    private static readonly Option<string> Family = new("--family") { Description = "Family id (an existing one, or a new family).", Required = true };

    private static readonly Option<string> Name = new("--name") { Description = "Base name, unique in the policy (e.g. Llama-3.1-8B).", Required = true };

    private static readonly Option<string> License = new("--license")
    {
        Description = "The base's license id: one of the policy's licenses (e.g. llama3.1, apache-2.0), or a Hub license id when the policy lists none.",
        Required = true,
    };

    private static readonly Option<string[]> Alias = new("--alias")
    {
        Description = "A Hub id (ORG/NAME) model cards name this base by in base_model; repeat for several.",
        HelpName = "ORG/NAME",
    };

    private static readonly Option<FileInfo?> Policy = new("--policy")
    {
        Description = $"The policy file to add the base to; created (extending the bundled policy) when missing. Default: the repository's policy, else {PolicyStarter.DefaultPath} at the repository root.",
    };

    public static Command Create()
    {
        var command = new Command("add-base", "Fingerprint a local base model and add it to a policy (fingerprint written to fingerprints/NAME.json next to the policy).")
        {
            Model, Family, Name, License, Alias, Policy,
        };
        command.SetAction(parseResult => CommandRunner.Run(parseResult, context => Execute(parseResult, context)));
        return command;
    }

    private static ExitCode Execute(ParseResult parseResult, CommandContext context)
    {
        string policyPath = PolicyPath(parseResult);
        string name = parseResult.GetRequiredValue(Name);
        string license = parseResult.GetRequiredValue(License).ToLowerInvariant();
        string[] aliases = parseResult.GetValue(Alias) ?? [];
        foreach (string alias in aliases.Where(a => a.Count(c => c == '/') != 1 || a.StartsWith('/') || a.EndsWith('/')))
        {
            throw new UsageException($"--alias {UntrustedText.Printable(alias)} is not a Hub id; write ORG/NAME (e.g. meta-llama/Llama-3.1-8B).");
        }

        bool created = !File.Exists(policyPath);
        string starter = PolicyStarter.Text(commercial: false, []);

        // An existing file is loaded first: the loader refuses oversized files before their text is read here.
        PolicyDocument policy = created
            ? PolicyLoader.Read(YamlTreeReader.Read(starter, policyPath), policyPath, RepositoryRoot.Of(Path.GetDirectoryName(policyPath)!), PolicyLocator.Bundled)
            : PolicyLoader.Load(policyPath, PolicyLocator.Bundled);
        string original = created ? starter : File.ReadAllText(policyPath);
        CheckLicense(policyPath, policy, license);

        string relative = $"fingerprints/{SafeFileName(name)}.json";
        string fingerprintPath = Path.Combine(Path.GetDirectoryName(policyPath)!, relative);
        if (File.Exists(fingerprintPath))
        {
            throw new InvalidInputException($"{fingerprintPath} already exists; choose another --name or remove the file.");
        }

        bool replaces = PolicyEditor.ReplacesInherited(policy, name);
        string edited = PolicyEditor.AddBase(original, policy, parseResult.GetRequiredValue(Family), name, license, relative, aliases);
        FingerprintDocument document = new FingerprintInputs(context).Compute(parseResult.GetRequiredValue(Model), name, FingerprintMethods.Base);
        foreach (PolicyBase same in PolicyReferences.WithSameWeights(policy, document))
        {
            context.Error.WriteLine($"warning: {UntrustedText.Printable(name)} has the same weight files (SHA-256) as base {UntrustedText.Printable(same.Name)} already in the policy; one base per set of weights is enough (use --alias for another name).");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(fingerprintPath)!);
        File.WriteAllText(fingerprintPath, FingerprintWriter.ToJson(document));
        try
        {
            File.WriteAllText(policyPath, edited);
            PolicyLoader.Load(policyPath, PolicyLocator.Bundled);
        }
        catch (InvalidInputException)
        {
            if (created)
            {
                File.Delete(policyPath);
            }
            else
            {
                File.WriteAllText(policyPath, original);
            }

            File.Delete(fingerprintPath);
            throw;
        }

        context.Output.WriteLine($"added base {UntrustedText.Printable(name)} to family {UntrustedText.Printable(parseResult.GetRequiredValue(Family))} in {policyPath}{(created ? " (created; it extends the bundled policy)" : string.Empty)} (fingerprint {relative}){(replaces ? "; it replaces the inherited base of that name" : string.Empty)}");
        return ExitCode.Success;
    }

    /// <summary>The policy to edit: <c>--policy</c>, else the repository's own, else a new one at the default place (never the bundled policy).</summary>
    private static string PolicyPath(ParseResult parseResult)
    {
        if (parseResult.GetValue(Policy) is { } given)
        {
            return given.FullName;
        }

        PolicyUsed found = PolicyDiscovery.Find(null, Directory.GetCurrentDirectory(), PolicyLocator.Bundled);
        return found.Bundled ? PolicyCommand.DefaultNewPolicyPath() : Path.GetFullPath(found.Path);
    }

    /// <summary>The base's license must have terms in the policy (the rules need them), or be a Hub id when the policy lists no licenses.</summary>
    private static void CheckLicense(string policyPath, PolicyDocument policy, string license)
    {
        if (LicenseIds.UnknownBaseLicense(policy.Licenses, license) is { } problem)
        {
            throw new InvalidInputException($"{policyPath}: --license {UntrustedText.Printable(license)} cannot be used: {problem}"
                + (policy.Licenses.Count > 0 ? $" The policy's licenses: {string.Join(", ", policy.Licenses.Select(l => l.Id))}." : string.Empty));
        }
    }

    private static string SafeFileName(string name) =>
        string.Concat(name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')).TrimStart('.');
}
