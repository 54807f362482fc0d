using System.Security.Cryptography;
using System.Text;

namespace TensorGuard.GitHub;

/// <summary>
/// Appends step outputs to the <c>GITHUB_OUTPUT</c> file. Every value is written in the delimiter form
/// (<c>name&lt;&lt;DELIMITER</c>, value, <c>DELIMITER</c>), which carries multi-line values; the delimiter is
/// random and checked against the value, so a value cannot end the block early and forge other outputs.
/// </summary>
public static class StepOutputs
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public static void Append(string path, IEnumerable<KeyValuePair<string, string>> outputs) =>
        File.AppendAllText(path, Format(outputs), Utf8);

    public static string Format(IEnumerable<KeyValuePair<string, string>> outputs)
    {
        var text = new StringBuilder();
        foreach ((string name, string value) in outputs)
        {
            if (name.Length == 0 || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
            {
                throw new ArgumentException($"output name '{name}' must be letters, digits, '-' or '_'", nameof(outputs));
            }

            string delimiter = NewDelimiter(value);
            text.Append(name).Append("<<").Append(delimiter).Append('\n')
                .Append(value).Append('\n')
                .Append(delimiter).Append('\n');
        }

        return text.ToString();
    }

    private static string NewDelimiter(string value)
    {
        while (true)
        {
            string delimiter = "ghadelimiter_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            if (!value.Contains(delimiter, StringComparison.Ordinal))
            {
                return delimiter;
            }
        }
    }
}
