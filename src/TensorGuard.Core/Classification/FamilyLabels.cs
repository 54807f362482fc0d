using TensorGuard.Core.Formats;

namespace TensorGuard.Core.Classification;

/// <summary>
/// Ground truth for evaluation: a tab-separated file with a header row naming at least the columns
/// <c>model_name</c> and <c>family</c> (the published set also has <c>role</c>).
/// </summary>
public static class FamilyLabels
{
    private const long MaxFileBytes = 16 * 1024 * 1024;

    /// <summary>Model name → family id.</summary>
    /// <exception cref="InvalidInputException">The file is missing, too large, or malformed (the message names the line).</exception>
    public static IReadOnlyDictionary<string, string> Read(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new InvalidInputException($"{path}: labels file not found; pass a TSV with columns model_name and family.");
        }

        if (info.Length > MaxFileBytes)
        {
            throw new InvalidInputException($"{path}: labels file is {info.Length} bytes, more than {MaxFileBytes}.");
        }

        string[] lines = File.ReadAllLines(path);
        if (lines.Length == 0)
        {
            throw new InvalidInputException($"{path}: labels file is empty; its first line must name the columns model_name and family.");
        }

        string[] header = lines[0].Split('\t');
        int nameColumn = Array.IndexOf(header, "model_name");
        int familyColumn = Array.IndexOf(header, "family");
        if (nameColumn < 0 || familyColumn < 0)
        {
            throw new InvalidInputException($"{path}:1: the header must name the tab-separated columns model_name and family.");
        }

        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int line = 1; line < lines.Length; line++)
        {
            if (lines[line].Length == 0)
            {
                continue;
            }

            string[] cells = lines[line].Split('\t');
            if (cells.Length <= Math.Max(nameColumn, familyColumn) || cells[nameColumn].Length == 0 || cells[familyColumn].Length == 0)
            {
                throw new InvalidInputException($"{path}:{line + 1}: expected {header.Length} tab-separated cells with a model name and a family.");
            }

            if (!labels.TryAdd(cells[nameColumn], cells[familyColumn]))
            {
                throw new InvalidInputException($"{path}:{line + 1}: model '{UntrustedText.Printable(cells[nameColumn])}' is labelled twice.");
            }
        }

        return labels;
    }
}
