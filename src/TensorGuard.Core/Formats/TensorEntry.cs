namespace TensorGuard.Core.Formats;

/// <summary>
/// One tensor of a model as stored: its name, element type and shape, and the file it lives in.
/// Reading values goes through the <see cref="ITensorSource"/> that produced the entry.
/// </summary>
public sealed record TensorEntry(string Name, TensorDType DType, IReadOnlyList<long> Shape, string SourceFile)
{
    /// <summary>Number of elements (product of the shape; 1 for a scalar).</summary>
    public long ElementCount { get; } = Shape.Aggregate(1L, (product, dim) => checked(product * dim));

    /// <summary>Rows when viewed as a matrix: the first dimension (1 for a scalar).</summary>
    public long Rows => Shape.Count == 0 ? 1 : Shape[0];

    /// <summary>Elements per row: the product of every dimension but the first.</summary>
    public long RowLength => Shape.Count == 0 ? 1 : Shape.Skip(1).Aggregate(1L, (product, dim) => product * dim);

    /// <summary>Shape as it is usually written, e.g. <c>[4096, 1024]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}
