using System.Globalization;
using TensorGuard.Core.Formats;

namespace TensorGuard.Cli;

/// <summary>Human-readable rendering of a <see cref="ModelInspection"/>.</summary>
internal static class InspectionText
{
    public static void Write(ModelInspection inspection, TextWriter output)
    {
        var invariant = CultureInfo.InvariantCulture;
        output.WriteLine($"{inspection.Path} ({inspection.Format})");
        output.WriteLine(string.Create(invariant, $"  parameters: {inspection.ParameterCount:N0}"));
        output.WriteLine($"  files ({inspection.Files.Count}):");
        foreach (ModelFile file in inspection.Files)
        {
            output.WriteLine(string.Create(invariant, $"    {file.Path}  {file.Length:N0} bytes"));
        }

        if (inspection.Metadata.Count > 0)
        {
            output.WriteLine("  metadata:");
            foreach ((string key, string value) in inspection.Metadata)
            {
                output.WriteLine($"    {UntrustedText.Printable(key)}: {UntrustedText.Printable(value)}");
            }
        }

        output.WriteLine($"  tensors ({inspection.Tensors.Count}):");
        int nameWidth = inspection.Tensors.Count == 0 ? 0 : Math.Min(64, inspection.Tensors.Max(t => t.Name.Length));
        foreach (ModelInspection.TensorSummary tensor in inspection.Tensors)
        {
            output.WriteLine($"    {UntrustedText.Printable(tensor.Name).PadRight(nameWidth)}  {tensor.DType,-8} [{string.Join(", ", tensor.Shape)}]");
        }

        if (inspection.NonFinite is { } scan)
        {
            output.WriteLine(string.Create(invariant, $"  non-finite values: {scan.Total:N0} in {scan.ScannedElements:N0} scanned elements"));
            foreach (NonFiniteCount count in scan.Tensors)
            {
                output.WriteLine(string.Create(invariant, $"    {UntrustedText.Printable(count.Tensor)}  NaN {count.Nan:N0}  +Inf {count.PositiveInfinity:N0}  -Inf {count.NegativeInfinity:N0}"));
            }

            if (scan.NotScanned.Count > 0)
            {
                output.WriteLine($"  not scanned (dtype has no float32 conversion): {string.Join(", ", scan.NotScanned.Select(UntrustedText.Printable))}");
            }
        }
    }
}
