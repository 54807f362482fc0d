namespace TensorGuard.GitHub.Fake;

/// <summary>Reads a GITHUB_OUTPUT file the way the runner does, in both the <c>name=value</c> and the delimiter form.</summary>
public static class RunnerOutputFile
{
    public static Dictionary<string, string> Parse(string text)
    {
        var outputs = new Dictionary<string, string>(StringComparer.Ordinal);
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            if (line.Length == 0)
            {
                continue;
            }

            int heredoc = line.IndexOf("<<", StringComparison.Ordinal);
            int equals = line.IndexOf('=', StringComparison.Ordinal);
            if (heredoc > 0 && (equals < 0 || heredoc < equals))
            {
                string delimiter = line[(heredoc + 2)..];
                var value = new List<string>();
                for (i++; i < lines.Length && lines[i] != delimiter; i++)
                {
                    value.Add(lines[i]);
                }

                if (i == lines.Length)
                {
                    throw new FormatException($"output {line[..heredoc]} is not closed by {delimiter}");
                }

                outputs[line[..heredoc]] = string.Join('\n', value);
            }
            else if (equals > 0)
            {
                outputs[line[..equals]] = line[(equals + 1)..];
            }
            else
            {
                throw new FormatException($"not an output line: {line}");
            }
        }

        return outputs;
    }
}
