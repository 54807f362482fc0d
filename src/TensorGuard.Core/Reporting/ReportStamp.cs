using System.Reflection;

namespace TensorGuard.Core.Reporting;

/// <summary>
/// Which TensorGuard wrote a report, and when: passed in rather than read inside the renderers, so that a report
/// stays a pure function of its inputs and tests can pin the time.
/// </summary>
public sealed record ReportStamp(string ToolVersion, DateTimeOffset Timestamp)
{
    /// <summary>This build's version and the current UTC time, to the second.</summary>
    public static ReportStamp Now() =>
        new(CurrentVersion(), DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));

    /// <summary>The informational version of this build without its source-revision suffix (<c>1.0.0</c>).</summary>
    public static string CurrentVersion()
    {
        string version = typeof(ReportStamp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        int metadata = version.IndexOf('+', StringComparison.Ordinal);
        return metadata < 0 ? version : version[..metadata];
    }

    /// <summary>The timestamp as RFC 3339 UTC (<c>2026-12-06T15:30:00Z</c>).</summary>
    public string TimestampText => Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
