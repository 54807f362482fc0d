using System.Globalization;
using TensorGuard.Core.Formats;

namespace TensorGuard.Core.Fingerprints.Gradient;

/// <summary>Progress of a gradient fingerprint: tensors done out of the selection, and the tensor just finished.</summary>
public sealed record GradientProgress(int Done, int Total, string Tensor);

/// <summary>A computed gradient fingerprint and what the user should know about it.</summary>
public sealed record GradientComputation(GradientFingerprint Fingerprint, IReadOnlyList<string> Warnings);

/// <summary>
/// Computes the paper's gradient fingerprint (DESIGN §4.1) with the exact rank-one fast path: for each selected
/// weight one pass over its rows computes W·x for all probes, and <see cref="RankOneStatistics"/> turns each
/// product into the gradient's statistics. Statistics are averaged over probes per tensor, then aggregated by
/// <see cref="GradientFeatures.Aggregate"/>. The result does not depend on the number of threads.
/// </summary>
public static class GradientFingerprinter
{
    /// <summary>Longest row a selected weight may have: probes take 4 bytes per element each (real rows are under 300,000).</summary>
    public const long MaxRowLength = 1 << 20;

    /// <summary>Most rows a selected weight may have: products take 8 bytes per row and probe (real ones have under 300,000).</summary>
    public const long MaxRows = 1 << 21;

    /// <summary>Fingerprints the tensors of <paramref name="source"/> (a whole model; <paramref name="path"/> names it in messages).</summary>
    /// <param name="threads">Threads to use for the next tensor (−1: all cores), asked before each one; null: all cores.</param>
    /// <exception cref="NoWeightMatrixException">No floating-point weight matrix.</exception>
    /// <exception cref="ModelFormatException">Non-finite weights, or unreadable data.</exception>
    public static GradientComputation Compute(
        ITensorSource source,
        string path,
        long parameterCount,
        GradientParameters parameters,
        Func<int>? threads = null,
        IProgress<GradientProgress>? progress = null)
    {
        TensorSelection.Result selection = TensorSelection.Select(source.Tensors, parameters.TensorsPerRole);
        var warnings = new List<string>();
        if (selection.NotFloatingPoint.Count > 0)
        {
            warnings.Add(string.Create(CultureInfo.InvariantCulture,
                $"{selection.NotFloatingPoint.Count} weight matrices with integer dtypes (e.g. \"{UntrustedText.Printable(selection.NotFloatingPoint[0].Name)}\", {selection.NotFloatingPoint[0].DType.Name()}) were not analysed; quantized weights need dequantizing first"));
        }

        if (selection.Selected.Count == 0)
        {
            throw new NoWeightMatrixException(path);
        }

        if (selection.Selected.FirstOrDefault(t => t.RowLength > MaxRowLength || t.Rows > MaxRows) is { } oversized)
        {
            throw new ModelFormatException(oversized.SourceFile, string.Create(CultureInfo.InvariantCulture,
                $"tensor \"{UntrustedText.Printable(oversized.Name)}\" has shape {oversized.ShapeText}, beyond the {MaxRows} rows of at most {MaxRowLength} elements the gradient fingerprint holds in memory; no real weight matrix has that shape, so the file is refused as corrupt or hostile"));
        }

        var probeCache = new Dictionary<int, (float[][] Probes, RankOneStatistics.PowerSums[] Sums)>();
        var tensors = new List<TensorGradient>(selection.Selected.Count);
        foreach (TensorEntry tensor in selection.Selected)
        {
            int width = checked((int)tensor.RowLength);
            if (!probeCache.TryGetValue(width, out var probes))
            {
                float[][] generated = ProbeGenerator.Generate(width, parameters);
                probes = (generated, generated.Select(p => RankOneStatistics.PowerSums.Of(p)).ToArray());
                probeCache.Add(width, probes);
            }

            GradientStatistics? statistics = Analyse(source, tensor, probes.Probes, probes.Sums, threads?.Invoke() ?? -1);
            if (statistics is null)
            {
                warnings.Add($"tensor \"{UntrustedText.Printable(tensor.Name)}\" is all zeros (its gradient is zero for every probe) and was left out");
            }
            else
            {
                tensors.Add(new TensorGradient(tensor.Name, tensor.Shape, LayerTypeClassifier.Classify(tensor.Name), statistics));
            }

            progress?.Report(new GradientProgress(tensors.Count, selection.Selected.Count, tensor.Name));
        }

        if (tensors.Count == 0)
        {
            throw new ModelFormatException(path, "every weight matrix is all zeros, so the gradient fingerprint is undefined; pass trained weights");
        }

        var fingerprint = new GradientFingerprint(parameters, GradientFeatures.Aggregate(tensors, parameterCount), tensors);
        return new GradientComputation(fingerprint, warnings);
    }

    private static GradientStatistics? Analyse(ITensorSource source, TensorEntry tensor, float[][] probes, RankOneStatistics.PowerSums[] sums, int maxParallelism)
    {
        double[][] products;
        try
        {
            products = ProjectionKernel.Project(source, tensor, probes, maxParallelism);
        }
        catch (ProjectionKernel.NonFiniteException error)
        {
            throw new ModelFormatException(tensor.SourceFile, NonFiniteProblem(source, tensor, error.Row));
        }

        int width = checked((int)tensor.RowLength);
        GradientStatistics[] perProbe = products
            .Select((y, p) => RankOneStatistics.Of(y, sums[p], width))
            .OfType<GradientStatistics>()
            .ToArray();
        return perProbe.Length == 0 ? null : GradientStatistics.Average(perProbe);
    }

    private static string NonFiniteProblem(ITensorSource source, TensorEntry tensor, long row)
    {
        var values = new float[tensor.RowLength];
        source.ReadFloat32(tensor, row * tensor.RowLength, values);
        int column = Array.FindIndex(values, value => !float.IsFinite(value));
        string name = UntrustedText.Printable(tensor.Name);
        return column >= 0
            ? string.Create(CultureInfo.InvariantCulture, $"tensor \"{name}\" holds a non-finite weight ({values[column]}) at row {row}, column {column}; the weights are corrupt or come from a diverged run — re-export them")
            : string.Create(CultureInfo.InvariantCulture, $"tensor \"{name}\" has weights too large to multiply in float32 (row {row} overflows); rescale or re-export the weights");
    }
}
