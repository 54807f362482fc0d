namespace TensorGuard.Core.Formats;

/// <summary>
/// Overflow-checked 64-bit arithmetic for sizes, offsets and counts read from untrusted files: a caller turns
/// a false result into a <see cref="ModelFormatException"/> naming the tensor, where <c>checked</c> would throw
/// an <see cref="OverflowException"/> that names nothing.
/// </summary>
public static class SizeArithmetic
{
    /// <summary>Whether <paramref name="a"/> × <paramref name="b"/> fits a long.</summary>
    public static bool TryMultiply(long a, long b, out long product)
    {
        Int128 wide = (Int128)a * b;
        product = wide >= long.MinValue && wide <= long.MaxValue ? (long)wide : 0;
        return wide >= long.MinValue && wide <= long.MaxValue;
    }

    /// <summary>Whether <paramref name="a"/> + <paramref name="b"/> fits a long.</summary>
    public static bool TryAdd(long a, long b, out long sum)
    {
        Int128 wide = (Int128)a + b;
        sum = wide >= long.MinValue && wide <= long.MaxValue ? (long)wide : 0;
        return wide >= long.MinValue && wide <= long.MaxValue;
    }
}
