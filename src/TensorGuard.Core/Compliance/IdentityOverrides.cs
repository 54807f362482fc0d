namespace TensorGuard.Core.Compliance;

/// <summary>
/// Values that replace what an artifact's files declare: from a policy's <c>models:</c> entry or from the command
/// line / action inputs. Null leaves the declared value alone.
/// </summary>
public sealed record IdentityOverrides(string? Name, string? License, IReadOnlyList<string>? BaseModels, DeclarationSource Source)
{
    public static IdentityOverrides None(DeclarationSource source) => new(null, null, null, source);

    public bool IsEmpty => Name is null && License is null && BaseModels is null;
}
