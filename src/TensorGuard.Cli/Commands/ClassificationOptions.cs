using System.CommandLine;
using TensorGuard.Core.Classification;
using TensorGuard.Core.Policy;

namespace TensorGuard.Cli.Commands;

/// <summary>The options <c>classify</c> and <c>eval</c> share, and what they do with them.</summary>
internal sealed class ClassificationOptions
{
    public Option<FileInfo?> Policy { get; } = new("--policy")
    {
        Description = "Policy YAML whose families and base fingerprints are the references. " + PolicyHelp.Default["Policy YAML. ".Length..],
    };

    // Nullable without a default value: the help would print the enum's own casing ("TensorGuard") as the default.
    public Option<ClassifierMethod?> Method { get; } = new("--method")
    {
        Description = "tensorguard (default): calibrated nearest-base classifier; paper: the reference procedure (K-Means, distance 7).",
        HelpName = "tensorguard|paper",
        CustomParser = result => result.Tokens[0].Value.ToLowerInvariant() switch
        {
            "tensorguard" => ClassifierMethod.TensorGuard,
            "paper" => ClassifierMethod.Paper,
            _ => InvalidMethod(result),
        },
    };

    public Option<bool> Json { get; } = new("--json") { Description = "Print JSON for machines." };

    public Option<FileInfo?> Plot { get; } = CreatePlot();

    public IEnumerable<Option> All => [Policy, Method, Json, Plot];

    /// <summary>The name users type for <paramref name="method"/>.</summary>
    public static string NameOf(ClassifierMethod method) => method == ClassifierMethod.Paper ? "paper" : "tensorguard";

    /// <summary>Loads the policy named by the options, else the one <c>check</c> would find.</summary>
    public PolicyDocument LoadPolicy(ParseResult parseResult) => PolicyLocator.Load(parseResult.GetValue(Policy)?.FullName);

    /// <summary>
    /// Builds the classifier the options ask for from <paramref name="policy"/>'s bases and references, leaving out the
    /// references named in <paramref name="heldOut"/> so that a model is never classified against itself.
    /// </summary>
    public FamilyClassifier LoadClassifier(ParseResult parseResult, PolicyDocument policy, IReadOnlySet<string>? heldOut = null) =>
        new(PolicyReferences.Load(policy), parseResult.GetValue(Method) ?? ClassifierMethod.TensorGuard,
            PolicyReferences.LoadLabelled(policy).Where(r => heldOut?.Contains(r.Name) != true).ToArray());

    /// <summary>Draws the run when <c>--plot</c> was given.</summary>
    public void WritePlot(ParseResult parseResult, CommandContext context, ClassificationRun run, string title, IReadOnlySet<string> misclassified)
    {
        if (parseResult.GetValue(Plot) is { } plot)
        {
            ClassificationPlot.Save(run, plot.FullName, $"Family classification ({NameOf(run.Method)} method){title}", misclassified);
            context.Error.WriteLine($"plot written to {plot.FullName}");
        }
    }

    private static Option<FileInfo?> CreatePlot()
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

    private static ClassifierMethod? InvalidMethod(System.CommandLine.Parsing.ArgumentResult result)
    {
        result.AddError($"--method must be tensorguard or paper, not '{result.Tokens[0].Value}'.");
        return default;
    }
}
