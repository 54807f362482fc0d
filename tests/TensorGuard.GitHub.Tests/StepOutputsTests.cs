using TensorGuard.GitHub;

namespace TensorGuard.GitHub.Tests;

public sealed class StepOutputsTests
{
    /// <summary>Reads a GITHUB_OUTPUT file the way the runner does, for both the short and the delimiter form.</summary>
    private static Dictionary<string, string> ParseLikeRunner(string text)
    {
        var outputs = new Dictionary<string, string>();
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
                string name = line[..heredoc];
                string delimiter = line[(heredoc + 2)..];
                var value = new List<string>();
                for (i++; lines[i] != delimiter; i++)
                {
                    value.Add(lines[i]);
                }

                outputs[name] = string.Join('\n', value);
            }
            else
            {
                outputs[line[..equals]] = line[(equals + 1)..];
            }
        }

        return outputs;
    }

    [Fact]
    public void Append_MultiLineAndHostileValues_RoundTripThroughTheRunnersParser()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "earlier=kept\n");
            var values = new Dictionary<string, string>
            {
                ["verdict"] = "fail",
                ["families"] = "{\n  \"a\": \"llama\"\n}",
                ["report"] = "x\nghadelimiter_\nverdict=pass\nEOF",
                ["empty"] = string.Empty,
            };

            StepOutputs.Append(path, values);

            Dictionary<string, string> parsed = ParseLikeRunner(File.ReadAllText(path));
            Assert.Equal("kept", parsed["earlier"]);
            foreach ((string name, string value) in values)
            {
                Assert.Equal(value, parsed[name]);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Format_TwoCalls_UseDifferentDelimiters()
    {
        string first = StepOutputs.Format([new("a", "1")]).Split('\n')[0];
        string second = StepOutputs.Format([new("a", "1")]).Split('\n')[0];

        Assert.NotEqual(first, second);
        Assert.Matches("^a<<ghadelimiter_[0-9a-f]{32}$", first);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a=b")]
    [InlineData("a<<b")]
    [InlineData("a\nb")]
    public void Format_InvalidName_Throws(string name) =>
        Assert.Throws<ArgumentException>(() => StepOutputs.Format([new(name, "v")]));
}
