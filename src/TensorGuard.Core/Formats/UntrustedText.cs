using System.Globalization;
using System.Text;

namespace TensorGuard.Core.Formats;

/// <summary>Text taken from untrusted files, made safe to print on one line of a message.</summary>
public static class UntrustedText
{
    private const int MaxLength = 120;
    private const int MaxPathLength = 1024;

    /// <summary>
    /// Replaces characters that could break or disguise a line (controls, line and paragraph separators,
    /// bidirectional and other format characters, lone surrogates) with '?' and shortens long text, so a
    /// hostile tensor name cannot forge log lines or annotations.
    /// </summary>
    public static string Printable(string text) => Printable(text, MaxLength);

    /// <summary>As <see cref="Printable(string)"/>, with room for long file paths.</summary>
    public static string PrintablePath(string path) => Printable(path, MaxPathLength);

    private static string Printable(string text, int maxLength)
    {
        var builder = new StringBuilder(Math.Min(text.Length, maxLength) + 1);
        for (int i = 0; i < text.Length; i++)
        {
            if (builder.Length >= maxLength)
            {
                return builder.Append('…').ToString();
            }

            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                builder.Append(c).Append(text[++i]);
                continue;
            }

            builder.Append(IsSafe(c) ? c : '?');
        }

        return builder.ToString();
    }

    private static bool IsSafe(char c) => CharUnicodeInfo.GetUnicodeCategory(c) switch
    {
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator
            or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate => false,
        _ => true,
    };
}
