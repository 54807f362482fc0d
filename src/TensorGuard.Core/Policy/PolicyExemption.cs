namespace TensorGuard.Core.Policy;

/// <summary>
/// An entry of the policy's <c>exceptions:</c>: findings of <paramref name="RuleId"/> for artifacts matching
/// <paramref name="ModelPattern"/> are accepted, for <paramref name="Reason"/>, until <paramref name="Expires"/>.
/// (Named exemption in code, so it is not mistaken for a .NET exception.)
/// </summary>
/// <param name="ModelPattern">A glob over the artifact path relative to the repository root, or over the model's name.</param>
public sealed record PolicyExemption(string ModelPattern, string RuleId, string Reason, DateOnly? Expires, SourcePosition Position)
{
    public bool HasExpired(DateOnly today) => Expires is { } expires && expires < today;
}
