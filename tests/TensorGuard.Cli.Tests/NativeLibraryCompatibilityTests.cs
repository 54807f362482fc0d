using System.Text;
using TensorGuard.Core.Tests.Build;

namespace TensorGuard.Cli.Tests;

/// <summary>
/// Whether every native library the CLI ships (LibTorch, TorchSharp's glue, the plotting natives) can load on stock
/// Ubuntu 22.04, Ubuntu 24.04 and Debian 12, checked statically without those machines: each library's <c>DT_NEEDED</c>
/// libraries must ship with the tool or come with every such install, and each non-weak symbol version it requires
/// (<c>GLIBC_*</c>, <c>GLIBCXX_*</c>, <c>CXXABI_*</c>, <c>GCC_*</c>, or a version of a bundled library) must be defined
/// there. The test runs on this test's build output, which holds the same native files as <c>dotnet publish</c> and the
/// tool package (<see cref="ContainerImageTests"/> checks the publish list).
/// </summary>
public sealed class NativeLibraryCompatibilityTests(ITestOutputHelper output)
{
    /// <summary>
    /// What a stock install provides. glibc: the libc6 package's version (Ubuntu 22.04 jammy 2.35, Debian 12 bookworm 2.36,
    /// Ubuntu 24.04 noble 2.39). libstdc++6 and libgcc-s1 are built from GCC 12 on jammy and bookworm (bookworm: 12.2.0,
    /// read from this machine) and GCC 14 on noble; the GCC manual's symbol-version history (libstdc++ ABI policy,
    /// abi.xml) gives GCC 12.1.0 GLIBCXX_3.4.30 and CXXABI_1.3.13, GCC 14.1.0 GLIBCXX_3.4.33 and CXXABI_1.3.15.
    /// libgcc_s's GCC_* versions are bounded by GCC_7.0.0 (defined since GCC 7), an under-estimate for all three.
    /// </summary>
    public static TheoryData<string, string, string, string, string> Distributions => new()
    {
        { "Ubuntu 22.04", "2.35", "3.4.30", "1.3.13", "7.0.0" },
        { "Debian 12", "2.36", "3.4.30", "1.3.13", "7.0.0" },
        { "Ubuntu 24.04", "2.39", "3.4.33", "1.3.15", "7.0.0" },
    };

    /// <summary>
    /// The sonames of the packages every such system has where .NET runs: libc6 (the C library, its loader, and the
    /// libraries glibc 2.34 merged into libc but still ships for old binaries), libstdc++6 and libgcc-s1 (both
    /// dependencies of the .NET runtime on Debian and Ubuntu).
    /// </summary>
    private static readonly HashSet<string> StockLibraries = new(StringComparer.Ordinal)
    {
        "libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1", "ld-linux-x86-64.so.2",
        "libstdc++.so.6", "libgcc_s.so.1",
    };

    private static readonly string Shipped = AppContext.BaseDirectory;

    private static IReadOnlyDictionary<string, ElfVersions> NativeLibraries() =>
        Directory.EnumerateFiles(Shipped, "*.so*")
            .Order(StringComparer.Ordinal)
            .ToDictionary(path => Path.GetFileName(path), path => ElfVersions.Read(File.ReadAllBytes(path)));

    [Fact]
    public void Output_HoldsTheLibTorchNatives()
    {
        // The natives are always part of the build (TorchSharp's runtime packages); their absence is a failure, not a skip.
        IReadOnlyDictionary<string, ElfVersions> libraries = NativeLibraries();

        Assert.Contains("libLibTorchSharp.so", libraries.Keys);
        Assert.Contains("libtorch_cpu.so", libraries.Keys);
        Assert.Contains("libc10.so", libraries.Keys);
    }

    [Fact]
    public void NeededLibraries_AreShippedOrPartOfEveryStockInstall()
    {
        IReadOnlyDictionary<string, ElfVersions> libraries = NativeLibraries();
        var report = new StringBuilder();
        foreach ((string library, ElfVersions elf) in libraries)
        {
            report.Append(library).Append(": ").AppendJoin(", ", elf.Needed.Select(n => libraries.ContainsKey(n) ? n + " (shipped)" : n)).Append('\n');
        }

        output.WriteLine(report.ToString());
        string[] missing = libraries
            .SelectMany(pair => pair.Value.Needed.Where(n => !libraries.ContainsKey(n) && !StockLibraries.Contains(n)).Select(n => $"{pair.Key} needs {n}"))
            .ToArray();
        Assert.True(missing.Length == 0, "not shipped and not part of a stock install:\n" + string.Join('\n', missing) + "\n\n" + report);
    }

    [Theory]
    [MemberData(nameof(Distributions))]
    public void RequiredVersions_AreDefinedByTheDistributionOrAShippedLibrary(string distribution, string glibc, string glibcxx, string cxxabi, string libgcc)
    {
        (IReadOnlyList<string> problems, IReadOnlyList<string> weak) = Check(glibc, glibcxx, cxxabi, libgcc);

        output.WriteLine($"{distribution}: weak (the loader only warns when missing): {string.Join("; ", weak)}");
        Assert.True(problems.Count == 0, $"would not load on {distribution}:\n" + string.Join('\n', problems));
    }

    [Fact]
    public void RequiredVersions_OnAnOlderGlibc_AreReported()
    {
        // The control: Ubuntu 20.04's glibc 2.31 and GCC 10 lack what TorchSharp's glue was linked against.
        (IReadOnlyList<string> problems, _) = Check("2.31", "3.4.28", "1.3.12", "7.0.0");

        Assert.Contains(problems, p => p.StartsWith("libLibTorchSharp.so requires GLIBC_2.34 of libc.so.6", StringComparison.Ordinal));
    }

    private static (IReadOnlyList<string> Problems, IReadOnlyList<string> Weak) Check(string glibc, string glibcxx, string cxxabi, string libgcc)
    {
        IReadOnlyDictionary<string, ElfVersions> libraries = NativeLibraries();
        var newest = new Dictionary<string, Version>(StringComparer.Ordinal)
        {
            ["GLIBC_"] = Version.Parse(glibc),
            ["GLIBCXX_"] = Version.Parse(glibcxx),
            ["CXXABI_"] = Version.Parse(cxxabi),
            ["GCC_"] = Version.Parse(libgcc),
        };

        var problems = new List<string>();
        var weak = new List<string>();
        foreach ((string library, ElfVersions elf) in libraries)
        {
            foreach (ElfVersions.Requirement requirement in elf.Required)
            {
                string what = $"{library} requires {requirement.Name} of {requirement.File}";
                if ((requirement.Flags & VerFlagWeak) != 0 || IsMarkedWeakWhenPacking(library, requirement))
                {
                    weak.Add(what);
                }
                else if (libraries.TryGetValue(requirement.File, out ElfVersions? shipped))
                {
                    if (!shipped.Defined.Contains(requirement.Name))
                    {
                        problems.Add($"{what}, which the shipped {requirement.File} does not define");
                    }
                }
                else if (Prefix(requirement.Name) is not { } prefix || !Version.TryParse(requirement.Name[prefix.Length..], out Version? version))
                {
                    problems.Add($"{what}, a version this test does not know a distribution's value of");
                }
                else if (version > newest[prefix])
                {
                    problems.Add($"{what}, newer than {prefix}{newest[prefix]}");
                }
            }
        }

        return (problems, weak);
    }

    private const ushort VerFlagWeak = 0x2;

    /// <summary>
    /// The requirement build/LibTorchSharpGlibcxx.targets marks weak in every tool package (and in the build output only
    /// where this machine's libstdc++ lacks it; LibTorchSharpPatchTests checks that rule, check-tool-package.sh the package).
    /// </summary>
    private static bool IsMarkedWeakWhenPacking(string library, ElfVersions.Requirement requirement) =>
        library == "libLibTorchSharp.so" && requirement.File == "libstdc++.so.6" && requirement.Name == PatchedVersion.Value;

    private static readonly Lazy<string> PatchedVersion = new(() =>
        System.Xml.Linq.XDocument.Load(Path.Combine(TensorGuard.ModelFactory.RepositoryFiles.Root, "build", "LibTorchSharpGlibcxx.targets"))
            .Descendants("LibTorchSharpRequiredGlibcxx").Single().Value);

    private static string? Prefix(string versionName) =>
        new[] { "GLIBCXX_", "GLIBC_", "CXXABI_", "GCC_" }.FirstOrDefault(p => versionName.StartsWith(p, StringComparison.Ordinal));
}
