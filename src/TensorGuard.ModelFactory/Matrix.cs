namespace TensorGuard.ModelFactory;

/// <summary>Small dense helpers over row-major float arrays; sizes here are tiny, so plain loops suffice.</summary>
internal static class Matrix
{
    public static float[] Transpose(ReadOnlySpan<float> values, int rows, int columns)
    {
        var result = new float[values.Length];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                result[(c * rows) + r] = values[(r * columns) + c];
            }
        }

        return result;
    }

    /// <summary>(rows × inner) · (inner × columns).</summary>
    public static float[] Multiply(ReadOnlySpan<float> left, ReadOnlySpan<float> right, int rows, int inner, int columns)
    {
        var result = new float[rows * columns];
        for (int r = 0; r < rows; r++)
        {
            Span<float> output = result.AsSpan(r * columns, columns);
            for (int k = 0; k < inner; k++)
            {
                float a = left[(r * inner) + k];
                ReadOnlySpan<float> row = right.Slice(k * columns, columns);
                for (int c = 0; c < columns; c++)
                {
                    output[c] += a * row[c];
                }
            }
        }

        return result;
    }

    public static double Norm(ReadOnlySpan<float> values)
    {
        double sum = 0;
        foreach (float v in values)
        {
            sum += (double)v * v;
        }

        return Math.Sqrt(sum);
    }

    public static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sum += (double)a[i] * b[i];
        }

        return sum;
    }

    /// <summary>Row r of the result is row <paramref name="order"/>[r] of the input.</summary>
    public static float[] GatherRows(ReadOnlySpan<float> values, int columns, IReadOnlyList<int> order)
    {
        var result = new float[values.Length];
        for (int r = 0; r < order.Count; r++)
        {
            values.Slice(order[r] * columns, columns).CopyTo(result.AsSpan(r * columns, columns));
        }

        return result;
    }

    /// <summary>Column c of the result is column <paramref name="order"/>[c] of the input.</summary>
    public static float[] GatherColumns(ReadOnlySpan<float> values, int columns, IReadOnlyList<int> order)
    {
        var result = new float[values.Length];
        int rows = values.Length / columns;
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                result[(r * columns) + c] = values[(r * columns) + order[c]];
            }
        }

        return result;
    }
}
