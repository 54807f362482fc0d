namespace TensorGuard.Cli.Tests;

/// <summary>One instruction of a Dockerfile: its keyword, its arguments, and the build stage it belongs to.</summary>
internal sealed record DockerInstruction(int Stage, string Keyword, string Arguments);

/// <summary>Splits a Dockerfile into instructions (comments dropped, continuation lines joined).</summary>
internal static class DockerfileInstructions
{
    public static IReadOnlyList<DockerInstruction> Parse(string text)
    {
        var instructions = new List<DockerInstruction>();
        int stage = -1;
        string pending = string.Empty;
        foreach (string raw in text.ReplaceLineEndings("\n").Split('\n'))
        {
            string line = raw.Trim();
            if (line.StartsWith('#') || (line.Length == 0 && pending.Length == 0))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                pending += line[..^1] + " ";
                continue;
            }

            string instruction = (pending + line).Trim();
            pending = string.Empty;
            if (instruction.Length == 0)
            {
                continue;
            }

            string[] parts = instruction.Split(' ', 2, StringSplitOptions.TrimEntries);
            string keyword = parts[0].ToUpperInvariant();
            if (keyword == "FROM")
            {
                stage++;
            }

            instructions.Add(new DockerInstruction(stage, keyword, parts.Length > 1 ? parts[1] : string.Empty));
        }

        return instructions;
    }

    /// <summary>The words of an instruction's arguments, without <c>--flag</c> options.</summary>
    public static string[] Words(DockerInstruction instruction) =>
        instruction.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(word => !word.StartsWith("--", StringComparison.Ordinal)).ToArray();

    /// <summary>The value of an option such as <c>--from=build</c>, or null.</summary>
    public static string? Option(DockerInstruction instruction, string name) =>
        instruction.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .FirstOrDefault(word => word.StartsWith($"--{name}=", StringComparison.Ordinal))?[(name.Length + 3)..];
}
