namespace TensorGuard.Core.Reporting;

/// <summary>The report files <c>tensorguard check --format</c> can write.</summary>
public enum ReportFormat
{
    Markdown,
    Json,
    Sarif,

    /// <summary>A CycloneDX 1.6 ML-BOM (JSON).</summary>
    CycloneDx,
}
