namespace TensorGuard.Core.Policy;

/// <summary>
/// An entry of the policy's <c>models:</c>: which artifacts to check (a glob relative to the repository root) and,
/// optionally, what they declare when their files do not say it.
/// </summary>
/// <param name="Optional">When true, a pattern that matches nothing is a note instead of an error.</param>
public sealed record ModelSelection(
    string Pattern,
    string? Name,
    string? License,
    IReadOnlyList<string>? BaseModels,
    bool Optional,
    SourcePosition Position)
{
    /// <summary>
    /// <c>base-weights</c>: the base model's weights (relative to the policy's root, or absolute) that a PEFT adapter
    /// selected by this entry is merged into; without them an adapter is not analysed.
    /// </summary>
    public string? BaseWeights { get; init; }
}
