namespace TensorGuard.ModelFactory;

/// <summary>
/// One tensor of a <see cref="TestModel"/>. Values are kept in the logical layout (out × in for linear
/// weights, row-major); <see cref="Transposed"/> says the artifact stores it as in × out, as ONNX does
/// for MatMul weights. Instances are immutable: derivations build new ones.
/// </summary>
public sealed class TestTensor
{
    private readonly float[] _values;
    private float[]? _stored;

    public TestTensor(string name, TensorRole role, int[] shape, float[] values, bool transposed = false)
    {
        long count = shape.Aggregate(1L, (product, dim) => checked(product * dim));
        if (count != values.Length)
        {
            throw new ArgumentException($"Tensor {name} of shape [{string.Join(", ", shape)}] needs {count} values, got {values.Length}.", nameof(values));
        }

        if (transposed && shape.Length != 2)
        {
            throw new ArgumentException($"Only matrices can be stored transposed; {name} has {shape.Length} dimensions.", nameof(transposed));
        }

        Name = name;
        Role = role;
        Shape = shape;
        _values = values;
        Transposed = transposed;
    }

    /// <summary>Name as stored in the artifact.</summary>
    public string Name { get; }

    /// <summary>What the tensor is in the network.</summary>
    public TensorRole Role { get; }

    /// <summary>Logical shape: [out, in] for matrices, [n] for vectors.</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>Logical values, row-major over <see cref="Shape"/>.</summary>
    public ReadOnlySpan<float> Values => _values;

    /// <summary>Whether the artifact stores the matrix as in × out.</summary>
    public bool Transposed { get; }

    /// <summary>Logical rows (first dimension).</summary>
    public int Rows => Shape[0];

    /// <summary>Logical columns: 1 for vectors, <c>in·k…</c> for a convolution kernel <c>[out, in, k…]</c>.</summary>
    public int Columns => Shape.Skip(1).Aggregate(1, (product, dim) => product * dim);

    /// <summary>Shape as written to the artifact.</summary>
    public IReadOnlyList<int> StoredShape => Transposed ? [Shape[1], Shape[0]] : Shape;

    /// <summary>Values in the order the artifact stores them.</summary>
    public ReadOnlySpan<float> StoredValues => Transposed ? _stored ??= Matrix.Transpose(_values, Rows, Columns) : _values;

    /// <summary>Logical element (row, column).</summary>
    public float this[int row, int column] => _values[(row * Columns) + column];

    /// <summary>A copy of the logical values.</summary>
    public float[] ToArray() => (float[])_values.Clone();

    /// <summary>A copy of logical row <paramref name="row"/>.</summary>
    public float[] Row(int row) => _values.AsSpan(row * Columns, Columns).ToArray();

    /// <summary>The same tensor with other values (same logical shape unless given).</summary>
    public TestTensor WithValues(float[] values, int[]? shape = null) => new(Name, Role, shape ?? [.. Shape], values, Transposed);

    /// <summary>The same tensor under another name.</summary>
    public TestTensor WithName(string name) => new(name, Role, [.. Shape], _values, Transposed);

    /// <summary>The same tensor with another role (e.g. a renumbered layer).</summary>
    public TestTensor WithRole(TensorRole role) => new(Name, role, [.. Shape], _values, Transposed);

    /// <summary>The same tensor with the stored layout flipped.</summary>
    public TestTensor WithTransposed(bool transposed) => new(Name, Role, [.. Shape], _values, transposed);

    public override string ToString() => $"{Name} {Role} [{string.Join(", ", StoredShape)}]{(Transposed ? " (transposed)" : "")}";
}
