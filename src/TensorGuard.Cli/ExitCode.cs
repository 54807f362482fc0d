using TensorGuard.Core.Compliance;

namespace TensorGuard.Cli;

/// <summary>Process exit codes; documented in the README and relied on by CI pipelines.</summary>
public enum ExitCode
{
    /// <summary>Every artifact was analysed and is compliant (or findings stay below <c>fail-on</c>).</summary>
    Success = 0,

    /// <summary>Usage error or unexpected failure of the tool itself.</summary>
    Failure = 1,

    /// <summary>Policy violations at or above the <c>fail-on</c> threshold.</summary>
    PolicyViolation = 2,

    /// <summary>Invalid input: an unreadable or malformed model file, fingerprint or policy.</summary>
    InvalidInput = 3,
}

/// <summary>How a check's verdict becomes the process's exit code.</summary>
internal static class ExitCodes
{
    /// <summary>0 pass, 2 violations at or above fail-on, 3 something could not be analysed.</summary>
    public static ExitCode Of(Verdict verdict) => verdict switch
    {
        Verdict.Pass => ExitCode.Success,
        Verdict.Fail => ExitCode.PolicyViolation,
        _ => ExitCode.InvalidInput,
    };
}
