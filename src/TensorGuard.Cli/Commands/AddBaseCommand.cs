using System.CommandLine;
using TensorGuard.Core;
using TensorGuard.Core.Fingerprints;
using TensorGuard.Core.Formats;
using TensorGuard.Core.Policy;

namespace TensorGuard.Cli.Commands;

/// <summary>
/// <c>tensorguard policy add-base MODEL --family F --name N --license L --policy FILE</c>: fingerprints a base model
/// the user has locally, writes the fingerprint next to the policy and adds the base to the policy file.
/// </summary>
internal static class AddBaseCommand
{
    private static readonly Argument<string> Model = new("MODEL") { Description = "The base model: a .safetensors file, an index, a model directory, or hf://ORG/NAME[@REVISION] on the Hugging Face Hub (read by byte ranges)." };

    private static readonly Option<string> Family = new("--family") { Description = "Family id (an existing one, or a new family).", Required = true };

    private static readonly Option<string> Name = new("--name") { Description = "Base name, unique in the policy (e.g. Llama-3.1-8B).", Required = true };

    private static readonly Option<string?> License = new("--license") { Description = "The base's license id (one of the policy's licenses, e.g. llama3.1)." };

    private static readonly Option<FileInfo> Policy = new("--policy") { Description = "The policy file to add the base to.", Required = true };

    public static Command Create()
    {
        var command = new Command("add-base", "Fingerprint a local base model and add it to a policy (fingerprint written to fingerprints/NAME.json next to the policy).")
        {
            Model, Family, Name, License, Policy,
        };
        command.SetAction(parseResult => CommandRunner.Run(parseResult, context => Execute(parseResult, context)));
        return command;
    }

    private static ExitCode Execute(ParseResult parseResult, CommandContext context)
    {
        string policyPath = parseResult.GetRequiredValue(Policy).FullName;
        string name = parseResult.GetRequiredValue(Name);
        string? license = parseResult.GetValue(License)?.ToLowerInvariant();
        PolicyDocument policy = PolicyLoader.Load(policyPath);
        if (license is not null && policy.Licenses.Count > 0 && !policy.Licenses.Any(l => l.Id == license))
        {
            throw new InvalidInputException($"{policyPath}: --license {UntrustedText.Printable(license)} is not among the policy's licenses ({string.Join(", ", policy.Licenses.Select(l => l.Id))}); add it to licenses: first.");
        }

        string relative = $"fingerprints/{SafeFileName(name)}.json";
        string fingerprintPath = Path.Combine(Path.GetDirectoryName(policyPath)!, relative);
        if (File.Exists(fingerprintPath))
        {
            throw new InvalidInputException($"{fingerprintPath} already exists; choose another --name or remove the file.");
        }

        string original = File.ReadAllText(policyPath);
        string edited = PolicyEditor.AddBase(original, policy, parseResult.GetRequiredValue(Family), name, license, relative);
        FingerprintDocument document = new FingerprintInputs(context).Compute(parseResult.GetRequiredValue(Model), name, FingerprintMethods.Base);
        Directory.CreateDirectory(Path.GetDirectoryName(fingerprintPath)!);
        File.WriteAllText(fingerprintPath, FingerprintWriter.ToJson(document));
        try
        {
            File.WriteAllText(policyPath, edited);
            PolicyLoader.Load(policyPath);
        }
        catch (InvalidInputException)
        {
            File.WriteAllText(policyPath, original);
            File.Delete(fingerprintPath);
            throw;
        }

        context.Output.WriteLine($"added base {UntrustedText.Printable(name)} to family {UntrustedText.Printable(parseResult.GetRequiredValue(Family))} in {policyPath} (fingerprint {relative})");
        return ExitCode.Success;
    }

    private static string SafeFileName(string name) =>
        string.Concat(name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')).TrimStart('.');
}
