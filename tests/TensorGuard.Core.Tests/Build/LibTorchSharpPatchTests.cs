using System.Diagnostics;
using System.Text.Json;

namespace TensorGuard.Core.Tests.Build;

// build/LibTorchSharpGlibcxx.targets marks TorchSharp's GLIBCXX_3.4.32 requirement weak in the build
// output when (and only when) this machine's libstdc++ lacks that version. Checked against the untouched
// package in the NuGet cache, with an ELF reader independent of the build task.
public sealed class LibTorchSharpPatchTests
{
    private const string Version = "GLIBCXX_3.4.32";
    private const ushort VerFlagWeak = 0x2;

    [Fact]
    public void BuildOutput_LibTorchSharp_HasOnlyTheMissingGlibcxxRequirementMarkedWeak()
    {
        byte[] original = File.ReadAllBytes(PackageCopy());
        byte[] built = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "libLibTorchSharp.so"));
        ElfVersions.Requirement requirement = ElfVersions.Read(original).Required.Single(r => r.Name == Version);
        Assert.Equal("libstdc++.so.6", requirement.File);
        Assert.Equal(0, requirement.Flags & VerFlagWeak);

        if (SystemLibStdCxxDefines(Version))
        {
            Assert.Equal(original, built);
            return;
        }

        int[] changed = Enumerable.Range(0, original.Length).Where(i => original[i] != built[i]).ToArray();
        Assert.Equal(original.Length, built.Length);
        Assert.Equal([(int)requirement.FlagsOffset], changed);
        Assert.Equal(
            ElfVersions.Read(original).Required.Select(r => r with { Flags = r.Name == Version ? (ushort)(r.Flags | VerFlagWeak) : r.Flags }),
            ElfVersions.Read(built).Required);
    }

    // The package the build copied from, as recorded in this test's deps.json.
    private static string PackageCopy()
    {
        using JsonDocument deps = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "TensorGuard.Core.Tests.deps.json")));
        JsonProperty library = deps.RootElement.GetProperty("libraries").EnumerateObject().Single(p => p.Name.StartsWith("TorchSharp/", StringComparison.Ordinal));
        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        return Path.Combine(packages, library.Value.GetProperty("path").GetString()!, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
    }

    // The libstdc++ the dynamic loader resolves, asked of ldconfig, and its defined versions.
    private static bool SystemLibStdCxxDefines(string version)
    {
        using var ldconfig = Process.Start(new ProcessStartInfo("/sbin/ldconfig", "-p") { RedirectStandardOutput = true })!;
        string line = ldconfig.StandardOutput.ReadToEnd().Split('\n')
            .First(l => l.TrimStart().StartsWith("libstdc++.so.6 ", StringComparison.Ordinal) && l.Contains("x86-64", StringComparison.Ordinal));
        ldconfig.WaitForExit();
        string library = line[(line.IndexOf("=> ", StringComparison.Ordinal) + 3)..].Trim();
        IReadOnlyList<string> defined = ElfVersions.Read(File.ReadAllBytes(library)).Defined;
        Assert.Contains("GLIBCXX_3.4", defined);
        return defined.Contains(version);
    }
}
