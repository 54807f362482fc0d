using System.Globalization;
using TensorGuard.Core.Formats.Architecture;

namespace TensorGuard.Core.Formats.Peft;

/// <summary>
/// What a LoRA adapter declares (base, rank, alpha, targets) and what could and could not be verified about it: with
/// the base's weights, that every module fits a base tensor; without them, only that the adapter is internally
/// consistent and what decoder its shapes imply.
/// </summary>
/// <param name="DeclaredBase"><c>base_model_name_or_path</c>.</param>
/// <param name="Scaling">s for modules at the configured rank and alpha (alpha/r, or alpha/√r with rsLoRA).</param>
/// <param name="BaseWeights">The base weights merged under the adapter, when they were given.</param>
/// <param name="Problems">Inconsistencies found (the adapter still opened; a merge may still fail on them).</param>
public sealed record AdapterReport(
    string DeclaredBase,
    int Rank,
    double Alpha,
    bool UseRslora,
    double Scaling,
    bool FanInFanOut,
    IReadOnlyList<string> TargetModules,
    int AdaptedModules,
    IReadOnlyList<string> ReplacedTensors,
    string? BaseWeights,
    IReadOnlyList<string> Verified,
    IReadOnlyList<string> NotVerified,
    IReadOnlyList<string> Problems)
{
    private const string Undeclared = "(not declared)";

    /// <summary>Describes <paramref name="adapter"/>; <paramref name="merged"/> is its merge into <paramref name="basePath"/>, if any.</summary>
    /// <exception cref="ModelFormatException">An adapter factor is unreadable.</exception>
    public static AdapterReport Of(PeftAdapter adapter, LoraMergedSource? merged, string? basePath)
    {
        AdapterConfig config = adapter.Config;
        string declared = config.BaseModel is { Length: > 0 } name ? UntrustedText.Printable(name) : Undeclared;
        var verified = new List<string>();
        var notVerified = new List<string>();
        var problems = new List<string>();
        verified.Add(string.Create(CultureInfo.InvariantCulture,
            $"every lora_A has its lora_B with the configured rank ({adapter.Modules.Count} modules)"));
        CheckTargets(adapter, verified, notVerified, problems);
        verified.Add("every LoRA factor is finite");
        if (merged is not null && basePath is not null)
        {
            verified.Add(string.Create(CultureInfo.InvariantCulture,
                $"all {merged.MergedModules.Count} adapted modules and {merged.ReplacedTensors.Count} replaced tensors fit tensors of {UntrustedText.PrintablePath(basePath)} in name and shape"));
            notVerified.Add($"that {UntrustedText.PrintablePath(basePath)} is the declared base {declared}: compare the merged model with that base's fingerprint");
        }
        else
        {
            CheckArchitecture(adapter, verified, problems);
            notVerified.Add($"that the shapes match the declared base {declared}: its weights were not given (pass --base PATH)");
            notVerified.Add("the merged model's lineage and family: the adapter alone is not a model");
        }

        return new AdapterReport(
            config.BaseModel ?? Undeclared,
            config.Rank,
            config.Alpha,
            config.UseRslora,
            config.Scaling(config.Rank, config.Alpha),
            config.FanInFanOut,
            config.TargetModules,
            adapter.Modules.Count,
            adapter.Replacements.Select(r => r.Name).ToArray(),
            basePath,
            verified,
            notVerified,
            problems);
    }

    /// <summary>The decoder tensors the adapter's modules stand for: each module's weight name and logical shape.</summary>
    public static IReadOnlyList<TensorEntry> ImpliedTensors(PeftAdapter adapter) => adapter.Modules
        .Select(m => new TensorEntry(m.ModulePath + ".weight", TensorDType.F32, m.Embedding ? [m.In, m.Out] : [m.Out, m.In], m.A.SourceFile))
        .Concat(adapter.Replacements.Select(r => r.Entry with { Name = r.Name }))
        .OrderBy(t => t.Name, StringComparer.Ordinal)
        .ToArray();

    /// <summary>The decoder architecture the adapter's shapes imply (see <see cref="ImpliedTensors"/>).</summary>
    public static ArchitectureInfo ImpliedArchitecture(PeftAdapter adapter) =>
        ArchitectureRecognizer.Recognize(ImpliedTensors(adapter), config: null, HiddenSize(adapter));

    // Every projection of a decoder reads or writes the residual stream, so its width is the most common endpoint of the
    // adapted modules; a tie (a single k/v projection, say) leaves it open.
    private static long? HiddenSize(PeftAdapter adapter)
    {
        var counts = adapter.Modules.SelectMany(m => new[] { m.In, m.Out }).CountBy(width => width).OrderByDescending(c => c.Value).ToArray();
        return counts.Length > 0 && (counts.Length == 1 || counts[0].Value > counts[1].Value) ? counts[0].Key : null;
    }

    /// <summary>One line for the gate: the adapter was not analysed, and what was and was not checked.</summary>
    public string NotAnalysed() =>
        $"PEFT LoRA adapter (r {Rank.ToString(CultureInfo.InvariantCulture)}, {AdaptedModules.ToString(CultureInfo.InvariantCulture)} modules, declared base {UntrustedText.Printable(DeclaredBase)}) "
        + "was not analysed: its base model's weights are needed to merge and fingerprint it (pass --base PATH, or base-weights: in the policy's models entry). "
        + $"Checked without them: {string.Join("; ", Verified)}. Not checked: {string.Join("; ", NotVerified)}."
        + (Problems.Count > 0 ? $" Problems: {string.Join("; ", Problems)}." : string.Empty);

    private static void CheckTargets(PeftAdapter adapter, List<string> verified, List<string> notVerified, List<string> problems)
    {
        AdapterConfig config = adapter.Config;
        if (config.TargetModulesPattern)
        {
            notVerified.Add($"that the adapted modules are the targeted ones: target_modules is the pattern \"{UntrustedText.Printable(config.TargetModules[0])}\"");
            return;
        }

        string[] outside = adapter.Modules
            .Select(m => m.ModulePath.Split('.')[^1])
            .Distinct(StringComparer.Ordinal)
            .Where(module => !config.TargetModules.Contains(module, StringComparer.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToArray();
        if (outside.Length == 0)
        {
            verified.Add("every adapted module is one of target_modules");
        }
        else
        {
            problems.Add($"modules {string.Join(", ", outside.Select(UntrustedText.Printable))} are adapted but not listed in target_modules");
        }
    }

    // Without the base: the shapes must describe one uniform decoder, which the architecture recogniser then names.
    private static void CheckArchitecture(PeftAdapter adapter, List<string> verified, List<string> problems)
    {
        IReadOnlyList<TensorEntry> implied = ImpliedTensors(adapter);
        var byRole = implied.GroupBy(t => LayerPattern(t.Name), StringComparer.Ordinal);
        string[] uneven = byRole.Where(g => g.Select(t => string.Join('x', t.Shape)).Distinct(StringComparer.Ordinal).Count() > 1)
            .Select(g => UntrustedText.Printable(g.Key))
            .ToArray();
        if (uneven.Length > 0)
        {
            problems.Add($"{string.Join(", ", uneven)} change shape from layer to layer, unlike any uniform decoder");
        }

        ArchitectureInfo architecture = ImpliedArchitecture(adapter);
        problems.AddRange(architecture.Notes);
        if (architecture.Scheme == ArchitectureRecognizer.Unknown)
        {
            problems.Add("the adapted module names follow no known decoder naming, so their shapes could not be checked against an architecture");
            return;
        }

        var sizes = new List<string>();
        void Add(string label, Sourced<long>? value)
        {
            if (value is not null)
            {
                sizes.Add(string.Create(CultureInfo.InvariantCulture, $"{label} {value.Value}"));
            }
        }

        Add("hidden size", architecture.HiddenSize);
        Add("intermediate size", architecture.IntermediateSize);
        Add("vocabulary", architecture.VocabularySize);
        Add("adapted layers", architecture.Layers);
        if (uneven.Length == 0 && architecture.Notes.Count == 0)
        {
            verified.Add($"the shapes fit one {architecture.Scheme} decoder ({string.Join(", ", sizes)})");
        }
    }

    private static string LayerPattern(string name) =>
        string.Join('.', name.Split('.').Select(segment => segment.Length > 0 && segment.All(char.IsAsciiDigit) ? "N" : segment));
}
