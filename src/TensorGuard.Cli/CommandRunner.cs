using System.CommandLine;
using TensorGuard.Core;
using TensorGuard.Core.Formats;
using TensorGuard.Core.Formats.PyTorch;
using TensorGuard.Core.Gate;
using TensorGuard.GitHub;

namespace TensorGuard.Cli;

/// <summary>
/// Runs a command body and maps known failures to one stderr line and an <see cref="ExitCode"/>.
/// Anything else is a bug in TensorGuard: it keeps its stack trace so it can be reported.
/// </summary>
internal static class CommandRunner
{
    public static int Run(ParseResult parseResult, Func<CommandContext, ExitCode> body)
    {
        var context = new CommandContext(parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error);
        try
        {
            return (int)body(context);
        }
        catch (UnsafePickleException error)
        {
            // The rule id check reports, so every command names the same finding.
            context.Error.WriteLine($"error: {UnsafePickleException.FindingId}: {error.Message}");
            return (int)ExitCode.InvalidInput;
        }
        catch (ModelFormatException error)
        {
            context.Error.WriteLine($"error: {error.Message}");
            return (int)ExitCode.InvalidInput;
        }
        catch (InvalidInputException error)
        {
            // A policy with several problems lists one per line; each is an error of its own.
            context.Error.WriteLine("error: " + error.Message.Replace("\n", "\nerror: ", StringComparison.Ordinal));
            return (int)ExitCode.InvalidInput;
        }
        catch (ActionInputException error)
        {
            context.Error.WriteLine($"error: {error.Message}");
            return (int)ExitCode.Failure;
        }
        catch (Exception error) when (error is UsageException or NothingToCheckException)
        {
            context.Error.WriteLine($"error: {error.Message}");
            return (int)ExitCode.Failure;
        }
    }
}

/// <summary>The writers a command prints through, so tests can capture them.</summary>
internal sealed record CommandContext(TextWriter Output, TextWriter Error);

/// <summary>The command line is well-formed but asks for something impossible (e.g. conflicting options).</summary>
internal sealed class UsageException(string message) : Exception(message);
