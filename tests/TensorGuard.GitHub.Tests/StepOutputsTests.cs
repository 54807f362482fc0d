using TensorGuard.GitHub;
using TensorGuard.GitHub.Fake;

namespace TensorGuard.GitHub.Tests;

public sealed class StepOutputsTests
{
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

            Dictionary<string, string> parsed = RunnerOutputFile.Parse(File.ReadAllText(path));
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
