using System.Diagnostics;

namespace TensorGuard.Core.Tests.Gate;

/// <summary>
/// Runs git in a test's repository, with a fixed author so that commits work on a machine without a git identity.
/// Shared by the Core and CLI tests (linked into both projects).
/// </summary>
internal static class TestGit
{
    public static void Run(string repository, params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = repository, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in (string[])["-c", "user.name=t", "-c", "user.email=t@example.com", .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"git {string.Join(' ', arguments)} failed: {error}{output.GetAwaiter().GetResult()}");
    }
}
