using System.Text;

namespace TensorGuard.Core.Formats;

/// <summary>Text taken from untrusted files, made safe to print on one line of a message.</summary>
public static class UntrustedText
{
    private const int MaxLength = 120;

    /// <summary>Replaces control characters and shortens long text, so a hostile name cannot forge log lines.</summary>
    public static string Printable(string text)
    {
        var builder = new StringBuilder(Math.Min(text.Length, MaxLength) + 1);
        foreach (char c in text.Length > MaxLength ? text[..MaxLength] : text)
        {
            builder.Append(char.IsControl(c) ? '?' : c);
        }

        return text.Length > MaxLength ? builder.Append('…').ToString() : builder.ToString();
    }
}
