using TensorGuard.Core.Policy;

namespace TensorGuard.Core.Compliance;

/// <summary>
/// One problem with an artifact: a stable rule id, its severity, what is wrong, the evidence, how to fix it,
/// the file it is about (model card, config, weights), and the policy exception that accepts it, if one does.
/// </summary>
public sealed record Finding(
    string RuleId,
    Severity Severity,
    string Message,
    string Fix,
    string? Evidence,
    string? File,
    AppliedExemption? Exemption = null)
{
    /// <summary>The line of <see cref="File"/> to fix (e.g. the model card's <c>license:</c> line), when there is one.</summary>
    public int? Line { get; init; }

    /// <summary>Counts towards the verdict: not accepted by an exception.</summary>
    public bool IsActive => Exemption is null;
}

/// <summary>The policy exception that accepted a finding, for the report.</summary>
public sealed record AppliedExemption(string Reason, DateOnly? Expires, SourcePosition Position);
