using System.CommandLine;
using TensorGuard.Cli.Commands;

namespace TensorGuard.Cli;

/// <summary>The root <c>tensorguard</c> command and its subcommands.</summary>
public static class TensorGuardCommand
{
    public static RootCommand Create() => new("TensorGuard: fingerprint model artifacts, detect their lineage and gate licenses in CI.")
    {
        InspectCommand.Create(),
        DemoCommand.Create(),
        FingerprintCommand.Create(),
        CompareCommand.Create(),
        ClassifyCommand.Create(),
        EvalCommand.Create(),
        CheckCommand.Create(),
        PolicyCommand.Create(),
        CatalogueCommand.Create(),
        ActionCommand.Create(),
    };
}
