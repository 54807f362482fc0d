namespace TensorGuard.Core.Policy;

/// <summary>
/// A YAML document as plain data with the position of every node. The policy loader reads this tree
/// instead of YamlDotNet's object model so that aliases never exist in it and every error can point
/// at a line and column.
/// </summary>
public abstract record YamlNode(SourcePosition Position)
{
    /// <summary>What the node is, for messages ("a mapping", "a list", "text").</summary>
    public abstract string Kind { get; }
}

/// <summary>A scalar; <see cref="Plain"/> is false when it was quoted or a block literal.</summary>
public sealed record YamlScalar(SourcePosition Position, string Value, bool Plain) : YamlNode(Position)
{
    public override string Kind => "text";

    /// <summary>A plain <c>null</c>, <c>~</c> or empty scalar means "no value" in YAML.</summary>
    public bool IsNull => Plain && Value is "" or "~" or "null" or "Null" or "NULL";
}

/// <summary>A mapping with its keys in document order; keys are unique (the reader rejects duplicates).</summary>
public sealed record YamlMapping(SourcePosition Position, IReadOnlyList<KeyValuePair<YamlScalar, YamlNode>> Entries) : YamlNode(Position)
{
    public override string Kind => "a mapping";
}

/// <summary>A sequence.</summary>
public sealed record YamlSequence(SourcePosition Position, IReadOnlyList<YamlNode> Items) : YamlNode(Position)
{
    public override string Kind => "a list";
}
