using TensorGuard.Core.Formats;
using TensorGuard.ModelFactory.Formats;
using TensorGuard.Tests.Corpus;

namespace TensorGuard.Cli.Tests;

public sealed class HostileInputCliTests
{
    public static TheoryData<string> Cases => new(HostileInputs.All.Keys.Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Cases))]
    public void InspectThenFingerprint_HostileInput_ExitsZeroOrThreeWithOneErrorLine(string name)
    {
        using var directory = new TestDirectory();
        HostileInput input = HostileInputs.All[name];
        (string path, string? baseModel) = input.Create(directory);
        string[] withBase = baseModel is null ? [] : ["--base", baseModel];

        CliResult result = CliRun.Invoke(["inspect", path, .. withBase]);
        if (result.ExitCode == 0)
        {
            result = CliRun.Invoke(["fingerprint", path, "--out", directory.File("out.json"), .. withBase]);
        }

        if (input.Fragment is null)
        {
            Assert.Equal(0, result.ExitCode);
            return;
        }

        Assert.Equal(3, result.ExitCode);
        string line = Assert.Single(result.ErrorLines, l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.DoesNotContain(result.ErrorLines, l => l.Contains("   at ", StringComparison.Ordinal));
        Assert.Contains(input.Fragment, line, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_PickleThatCouldRunCode_NamesTheUnsafePickleRule()
    {
        using var directory = new TestDirectory();
        byte[] pickle = new PickleBuilder().Proto(2).Global("os", "system").Unicode("echo pwned").Op(0x85).Reduce().Stop().ToArray();
        string path = directory.File("model.pt");
        File.WriteAllBytes(path, TorchCheckpointWriter.Zip([new TorchCheckpointWriter.Tensor("w", [4], TensorDType.F32, [1, 2, 3, 4])], pickle: pickle));

        CliResult result = CliRun.Invoke("inspect", path);

        Assert.Equal(3, result.ExitCode);
        string line = Assert.Single(result.ErrorLines);
        Assert.StartsWith("error: unsafe-pickle: " + path + ": pickle archive/data.pkl references os.system (GLOBAL at byte 2)", line, StringComparison.Ordinal);
    }
}
