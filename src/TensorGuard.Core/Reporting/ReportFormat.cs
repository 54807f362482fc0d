namespace TensorGuard.Core.Reporting;

/// <summary>The report files <c>tensorguard check --format</c> can write.</summary>
public enum ReportFormat
{
    Markdown,
    Json,
    Sarif,
}
