using System.Globalization;
using TensorGuard.Core.Formats;
using TensorGuard.Core.Formats.Architecture;
using TensorGuard.Core.Formats.Peft;

namespace TensorGuard.Core.Reporting;

/// <summary>
/// Human-readable rendering of a <see cref="ModelInspection"/>. Tensors that repeat per layer are folded
/// into one line per name pattern (see <see cref="TensorGroups"/>) unless every tensor is asked for.
/// </summary>
public static class InspectionText
{
    private const int MaxNameWidth = 72;
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static void Write(ModelInspection inspection, bool everyTensor, TextWriter output)
    {
        output.WriteLine($"{UntrustedText.PrintablePath(inspection.Path)} ({inspection.Format})");
        output.WriteLine(string.Create(Invariant, $"  parameters: {inspection.ParameterCount:N0}"));
        if (inspection.Adapter is { } adapter)
        {
            WriteAdapter(adapter, output);
        }

        WriteArchitecture(inspection.Architecture, output);
        if (inspection.ConfigFile is not null)
        {
            output.WriteLine($"  config: {UntrustedText.PrintablePath(inspection.ConfigFile)}");
        }

        output.WriteLine($"  files ({inspection.Files.Count}):");
        foreach (ModelFile file in inspection.Files)
        {
            output.WriteLine(string.Create(Invariant, $"    {UntrustedText.PrintablePath(file.Path)}  {file.Length:N0} bytes"));
        }

        if (inspection.Metadata.Count > 0)
        {
            output.WriteLine("  metadata:");
            foreach ((string key, string value) in inspection.Metadata)
            {
                output.WriteLine($"    {UntrustedText.Printable(key)}: {UntrustedText.Printable(value)}");
            }
        }

        WriteTensors(inspection.Tensors, everyTensor, output);
        if (inspection.NonFinite is { } scan)
        {
            WriteScan(scan, output);
        }
    }

    private static void WriteAdapter(AdapterReport adapter, TextWriter output)
    {
        output.WriteLine($"  PEFT LoRA adapter of {UntrustedText.Printable(adapter.DeclaredBase)}");
        output.WriteLine(string.Create(Invariant, $"    rank r {adapter.Rank}, lora_alpha {adapter.Alpha:0.####}, scaling {adapter.Scaling:0.####} ({(adapter.UseRslora ? "alpha/√r, rsLoRA" : "alpha/r")}), fan_in_fan_out {(adapter.FanInFanOut ? "true" : "false")}"));
        output.WriteLine($"    target modules: {(adapter.TargetModules.Count == 0 ? "(none listed)" : string.Join(", ", adapter.TargetModules.Select(UntrustedText.Printable)))}");
        output.WriteLine(string.Create(Invariant, $"    adapted modules: {adapter.AdaptedModules}{(adapter.ReplacedTensors.Count > 0 ? $"; replaced tensors: {adapter.ReplacedTensors.Count}" : "")}"));
        output.WriteLine(adapter.BaseWeights is { } baseWeights
            ? $"    merged into: {UntrustedText.PrintablePath(baseWeights)} (tensors below are the merged model's)"
            : "    merged into: nothing (no --base given; tensors below are the adapter's own, architecture is what their shapes imply)");
        adapter.Verified.ToList().ForEach(line => output.WriteLine($"    verified: {line}"));
        adapter.NotVerified.ToList().ForEach(line => output.WriteLine($"    not verified: {line}"));
        adapter.Problems.ToList().ForEach(line => output.WriteLine($"    problem: {line}"));
    }

    private static void WriteArchitecture(ArchitectureInfo architecture, TextWriter output)
    {
        output.WriteLine($"  architecture: {architecture.Scheme} - {architecture.SchemeDescription}");
        if (architecture.ModelType is not null)
        {
            Row(output, "model_type", UntrustedText.Printable(architecture.ModelType), "config");
        }

        (string Label, Sourced<long>? Value)[] sizes =
        [
            ("hidden size", architecture.HiddenSize),
            ("layers", architecture.Layers),
            ("attention heads", architecture.AttentionHeads),
            ("key-value heads", architecture.KeyValueHeads),
            ("head dim", architecture.HeadDim),
            ("intermediate size", architecture.IntermediateSize),
            ("vocabulary", architecture.VocabularySize),
        ];
        foreach ((string label, Sourced<long>? value) in sizes.Where(size => size.Value is not null))
        {
            Row(output, label, value!.Value.ToString("N0", Invariant), Source(value.Source));
        }

        if (architecture.TiedEmbeddings is { } tied)
        {
            Row(output, "tied embeddings", tied.Value ? "yes" : "no", Source(tied.Source));
        }

        IEnumerable<string> unknown = sizes.Where(size => size.Value is null).Select(size => size.Label)
            .Concat(architecture.TiedEmbeddings is null ? ["tied embeddings"] : []);
        if (unknown.Any())
        {
            output.WriteLine($"    not determined: {string.Join(", ", unknown)}");
        }

        foreach (string note in architecture.Notes)
        {
            output.WriteLine($"    note: {note}");
        }
    }

    private static void Row(TextWriter output, string label, string value, string source) =>
        output.WriteLine($"    {label,-18} {value,-12} ({source})");

    private static string Source(ValueSource? source) => source switch
    {
        ValueSource.Weights => "weights",
        ValueSource.Config => "config",
        ValueSource.Derived => "weights + config",
        _ => "unknown",
    };

    private static void WriteTensors(IReadOnlyList<ModelInspection.TensorSummary> tensors, bool everyTensor, TextWriter output)
    {
        IReadOnlyList<TensorGroups.Group> lines = everyTensor
            ? tensors.Select(t => new TensorGroups.Group(t.Name, t.Dtype, t.Shape, 1)).ToArray()
            : TensorGroups.Of(tensors);
        string folded = lines.Count < tensors.Count ? $"; {lines.Count} lines, repeated layers folded, --tensors lists each" : string.Empty;
        output.WriteLine(string.Create(Invariant, $"  tensors ({tensors.Count:N0}{folded}):"));
        string[] names = lines.Select(line => UntrustedText.Printable(line.Name)).ToArray();
        int width = names.Length == 0 ? 0 : Math.Min(MaxNameWidth, names.Max(name => name.Length));
        for (int i = 0; i < lines.Count; i++)
        {
            TensorGroups.Group line = lines[i];
            string shape = "[" + string.Join(", ", line.Shape) + "]";
            string count = line.Count > 1 ? string.Create(Invariant, $"  ×{line.Count}") : string.Empty;
            output.WriteLine($"    {names[i].PadRight(width)}  {line.DType,-7} {shape}{count}".TrimEnd());
        }
    }

    private static void WriteScan(NonFiniteReport scan, TextWriter output)
    {
        output.WriteLine(string.Create(Invariant, $"  non-finite values: {scan.Total:N0} in {scan.ScannedElements:N0} scanned elements"));
        foreach (NonFiniteCount count in scan.Tensors)
        {
            output.WriteLine(string.Create(Invariant, $"    {UntrustedText.Printable(count.Tensor)}  NaN {count.Nan:N0}  +Inf {count.PositiveInfinity:N0}  -Inf {count.NegativeInfinity:N0}"));
        }

        if (scan.NotScanned.Count > 0)
        {
            output.WriteLine($"  not scanned (dtype has no float32 conversion): {string.Join(", ", scan.NotScanned.Select(UntrustedText.Printable))}");
        }
    }
}
