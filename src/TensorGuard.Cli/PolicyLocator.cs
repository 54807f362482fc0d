using TensorGuard.Core;

namespace TensorGuard.Cli;

/// <summary>Finds the policy a command uses when <c>--policy</c> is not given.</summary>
internal static class PolicyLocator
{
    /// <summary>Repository policy files looked for in the current directory, in order.</summary>
    public static readonly string[] RepositoryPolicies = ["tensorguard.yml", ".github/tensorguard.yml"];

    /// <summary>The policy shipped with TensorGuard: the five families of the paper and their license facts.</summary>
    public static string Bundled => Path.Combine(AppContext.BaseDirectory, "policies", "default.yml");

    public static string Resolve(string? given)
    {
        if (given is not null)
        {
            return given;
        }

        string? repository = RepositoryPolicies.Select(Path.GetFullPath).FirstOrDefault(File.Exists);
        if (repository is not null)
        {
            return repository;
        }

        return File.Exists(Bundled)
            ? Bundled
            : throw new InvalidInputException($"no policy given and none found ({string.Join(", ", RepositoryPolicies)}, {Bundled}); pass --policy FILE.");
    }
}
