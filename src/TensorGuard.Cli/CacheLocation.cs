namespace TensorGuard.Cli;

/// <summary>Where fingerprints are cached unless <c>--cache-dir</c> says otherwise (the CLI owns environment variables).</summary>
internal static class CacheLocation
{
    public static string Default()
    {
        if (Environment.GetEnvironmentVariable("TENSORGUARD_CACHE_DIR") is { Length: > 0 } explicitDirectory)
        {
            return explicitDirectory;
        }

        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        string root = string.IsNullOrEmpty(xdg)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache")
            : xdg;
        return Path.Combine(root, "tensorguard");
    }
}
