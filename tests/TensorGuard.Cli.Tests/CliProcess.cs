using System.Diagnostics;

namespace TensorGuard.Cli.Tests;

/// <summary>
/// Runs <c>tensorguard</c> as a real process (<c>dotnet tensorguard.dll</c> from this test's output), the way CI and
/// the action's container do: real exit code, real standard streams, its own working directory and environment.
/// </summary>
public static class CliProcess
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    /// <summary>A Hub endpoint whose name never resolves (the <c>.invalid</c> top-level domain, RFC 2606).</summary>
    public const string UnreachableHub = "http://hub.invalid/";

    public static CliResult Run(string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "tensorguard.dll"));
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // Tests never reach the real Hub: a declared base the policy cannot test offline is looked up on an endpoint that
        // does not resolve (an immediate, deterministic failure) unless the test points HF_ENDPOINT at its stand-in.
        start.Environment["HF_ENDPOINT"] = UnreachableHub;
        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"tensorguard {string.Join(' ', args)} did not finish within {Timeout}.");
        }

        return new CliResult(process.ExitCode, output.GetAwaiter().GetResult(), error.GetAwaiter().GetResult());
    }
}
