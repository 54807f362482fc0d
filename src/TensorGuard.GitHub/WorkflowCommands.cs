using System.Globalization;
using System.Text;

namespace TensorGuard.GitHub;

/// <summary>
/// Formats workflow commands (<c>::error file=…,line=…,title=…::message</c>). Text from model cards and file
/// names is untrusted, so data escapes <c>%</c>, CR and LF (a newline would start a new command) and
/// properties also escape <c>:</c> and <c>,</c>, as the runner's parser expects.
/// </summary>
public static class WorkflowCommands
{
    public static string Format(Annotation annotation)
    {
        var properties = new List<string>();
        if (annotation.File is not null)
        {
            properties.Add("file=" + EscapeProperty(annotation.File));
            if (annotation.Line is int line)
            {
                properties.Add(string.Create(CultureInfo.InvariantCulture, $"line={line}"));
            }
        }

        if (annotation.Title is not null)
        {
            properties.Add("title=" + EscapeProperty(annotation.Title));
        }

        string command = annotation.Level switch
        {
            AnnotationLevel.Error => "error",
            AnnotationLevel.Warning => "warning",
            _ => "notice",
        };
        var text = new StringBuilder("::").Append(command);
        if (properties.Count > 0)
        {
            text.Append(' ').AppendJoin(',', properties);
        }

        return text.Append("::").Append(EscapeData(annotation.Message)).ToString();
    }

    public static string EscapeData(string value) =>
        value.Replace("%", "%25", StringComparison.Ordinal)
            .Replace("\r", "%0D", StringComparison.Ordinal)
            .Replace("\n", "%0A", StringComparison.Ordinal);

    public static string EscapeProperty(string value) =>
        EscapeData(value)
            .Replace(":", "%3A", StringComparison.Ordinal)
            .Replace(",", "%2C", StringComparison.Ordinal);
}
