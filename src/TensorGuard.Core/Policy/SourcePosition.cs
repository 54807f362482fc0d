using System.Globalization;

namespace TensorGuard.Core.Policy;

/// <summary>A line and column in a policy file, both counted from 1 as editors show them.</summary>
public readonly record struct SourcePosition(long Line, long Column)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Line}:{Column}");
}
