using TensorGuard.Core.Policy;

namespace TensorGuard.Cli;

/// <summary>Finds and loads the policy a command uses when <c>--policy</c> is not given (see <see cref="PolicyDiscovery"/>).</summary>
internal static class PolicyLocator
{
    /// <summary>The policy shipped with TensorGuard: the five families of the paper and their license facts.</summary>
    public static string Bundled => Path.Combine(AppContext.BaseDirectory, "policies", "default.yml");

    /// <summary>The policy <paramref name="given"/>, else the one found from <paramref name="startDirectory"/> (default: the current directory).</summary>
    public static PolicyDocument Load(string? given, string? startDirectory = null) =>
        PolicyLoader.Load(PolicyDiscovery.Find(given, startDirectory ?? Directory.GetCurrentDirectory(), Bundled));
}
