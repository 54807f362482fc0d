using System.CommandLine;
using TensorGuard.Core.Classification;

namespace TensorGuard.Cli.Commands;

/// <summary>Options shared by <c>classify</c> and <c>eval</c>.</summary>
internal static class ClassificationOptions
{
    public static Option<FileInfo> Policy() => new("--policy")
    {
        Description = "Policy YAML whose families and base fingerprints are the references (e.g. policies/default.yml).",
        Required = true,
    };

    public static Option<bool> Json() => new("--json") { Description = "Print JSON for machines." };

    public static Option<FileInfo?> Plot()
    {
        var option = new Option<FileInfo?>("--plot")
        {
            Description = "Also draw the 2-D PCA projection to FILE.png or FILE.svg.",
            HelpName = "FILE.png|FILE.svg",
        };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<FileInfo?>() is { } file && ClassificationPlot.FormatOf(file.Name) is null)
            {
                result.AddError($"--plot must name a .png or .svg file, not '{file.Name}'.");
            }
        });
        return option;
    }

    public static Option<ClassifierMethod> Method() => new("--method")
    {
        Description = "tensorguard (default): calibrated nearest-base classifier; paper: the reference procedure (K-Means, distance 7).",
        DefaultValueFactory = _ => ClassifierMethod.TensorGuard,
        CustomParser = result => result.Tokens[0].Value.ToLowerInvariant() switch
        {
            "tensorguard" => ClassifierMethod.TensorGuard,
            "paper" => ClassifierMethod.Paper,
            _ => Invalid(result),
        },
    };

    /// <summary>The name users type for <paramref name="method"/>.</summary>
    public static string NameOf(ClassifierMethod method) => method == ClassifierMethod.Paper ? "paper" : "tensorguard";

    private static ClassifierMethod Invalid(System.CommandLine.Parsing.ArgumentResult result)
    {
        result.AddError($"--method must be tensorguard or paper, not '{result.Tokens[0].Value}'.");
        return default;
    }
}
