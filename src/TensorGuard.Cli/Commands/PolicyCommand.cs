using System.CommandLine;
using System.Globalization;
using TensorGuard.Core.Classification;
using TensorGuard.Core.Policy;

namespace TensorGuard.Cli.Commands;

/// <summary><c>tensorguard policy validate|add-base</c>: work with policy files.</summary>
internal static class PolicyCommand
{
    private static readonly Argument<FileInfo> File = new("FILE") { Description = "The policy YAML to validate." };

    public static Command Create()
    {
        var validate = new Command("validate", "Validate a policy file; errors name file:line:column and suggest the nearest valid key.")
        {
            File,
        };
        validate.SetAction(parseResult => CommandRunner.Run(parseResult, context => Validate(parseResult, context)));
        return new Command("policy", "Validate policy files and add base models to them.")
        {
            validate,
            AddBaseCommand.Create(),
        };
    }

    private static ExitCode Validate(ParseResult parseResult, CommandContext context)
    {
        string path = parseResult.GetRequiredValue(File).FullName;
        PolicyDocument policy = PolicyLoader.Load(parseResult.GetRequiredValue(File).ToString());

        // Reading every base's fingerprint validates it too, and tells whether check can run lineage tests.
        IReadOnlyList<ReferenceBase> bases = PolicyReferences.Load(policy);
        LineageReferences lineage = PolicyReferences.LoadSketches(policy, bases);
        context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{parseResult.GetRequiredValue(File)}: valid — {policy.Families.Count} families, {policy.Bases.Count()} bases, {policy.Licenses.Count} licenses, {policy.Exemptions.Count} exceptions, {policy.Models.Count} model patterns; fails on {policy.FailOn.ToString().ToLowerInvariant()}; "
            + $"{lineage.Sketched.Count} of {policy.Bases.Count()} bases carry a lineage sketch (check tests lineage against those; the others are classifier only)"
            + $"{(lineage.Unbuilt.Count > 0 ? $"; {lineage.Unbuilt.Count} catalogue bases are not built yet." : ".")}"));
        DateOnly today = DateOnly.FromDateTime(DateTime.UtcNow);
        foreach (PolicyExemption expired in policy.Exemptions.Where(e => e.HasExpired(today)))
        {
            context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"warning: {path}:{expired.Position}: the exception for {expired.RuleId} on '{expired.ModelPattern}' expired on {expired.Expires:yyyy-MM-dd}."));
        }

        return ExitCode.Success;
    }
}
