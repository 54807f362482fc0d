using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;

namespace TensorGuard.Core.Formats.Peft;

/// <summary>
/// A base model with a LoRA adapter merged, computed on demand: a read of an adapted weight reads the base's
/// values and adds s·B·A (its transpose for <c>fan_in_fan_out</c> and embeddings) for exactly the rows asked for.
/// Memory stays bounded by the caller's block plus the adapter's factors; the merged model is never materialised.
/// Adapter module paths are matched to base tensor names exactly or, failing that, by their longest dot-separated
/// suffix that names exactly one base tensor (so <c>model.layers.0…</c> finds <c>layers.0…</c> or
/// <c>language_model.model.layers.0…</c>); every mismatch is an error naming the adapter tensor.
/// </summary>
public sealed class LoraMergedSource : ITensorSource
{
    private readonly PeftAdapter _adapter;
    private readonly ITensorSource _base;
    private readonly Dictionary<string, TensorEntry> _baseEntries;
    private readonly Dictionary<string, LoraModule> _merged = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TensorEntry> _replaced = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Factors>> _factors = new(StringComparer.Ordinal);

    /// <exception cref="ModelFormatException">An adapter tensor matches no base tensor, several, or one of another shape.</exception>
    internal LoraMergedSource(PeftAdapter adapter, ITensorSource baseModel, string basePath)
    {
        _adapter = adapter;
        _base = baseModel;
        _baseEntries = baseModel.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var suffixes = SuffixIndex(baseModel.Tensors);
        var claimed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (LoraModule module in adapter.Modules)
        {
            TensorEntry target = Match(module.ModulePath + ".weight", module.A.Name, suffixes, basePath, claimed);
            IReadOnlyList<long> expected = module.MergedShape(adapter.Config.FanInFanOut);
            if (!target.Shape.SequenceEqual(expected))
            {
                throw new ModelFormatException(adapter.Directory, ShapeMismatch(module, target, expected, adapter.Config.FanInFanOut));
            }

            _merged.Add(target.Name, module);
        }

        foreach ((string name, TensorEntry entry) in adapter.Replacements)
        {
            TensorEntry target = Match(name, entry.Name, suffixes, basePath, claimed);
            if (!target.Shape.SequenceEqual(entry.Shape))
            {
                throw new ModelFormatException(adapter.Directory, $"tensor \"{UntrustedText.Printable(entry.Name)}\" is {entry.ShapeText} but replaces base tensor \"{UntrustedText.Printable(target.Name)}\" of shape {target.ShapeText}; the adapter was not trained on this base");
            }

            _replaced.Add(target.Name, entry);
        }

        Tensors = baseModel.Tensors.Select(Served).ToArray();
    }

    /// <summary>The base's tensors; adapted ones as float32 (their merged values), replaced ones as the adapter stores them.</summary>
    public IReadOnlyList<TensorEntry> Tensors { get; }

    /// <summary>The adapter merged into the base.</summary>
    public PeftAdapter Adapter => _adapter;

    /// <summary>Base tensor name → the adapter module merged into it.</summary>
    public IReadOnlyDictionary<string, LoraModule> MergedModules => _merged;

    /// <summary>Base tensor name → the adapter tensor that replaces it.</summary>
    public IReadOnlyDictionary<string, TensorEntry> ReplacedTensors => _replaced;

    /// <inheritdoc />
    public void ReadFloat32(TensorEntry tensor, long firstElement, Span<float> destination)
    {
        if (_replaced.TryGetValue(tensor.Name, out TensorEntry? replacement))
        {
            _adapter.Weights.ReadFloat32(replacement, firstElement, destination);
            return;
        }

        TensorEntry stored = _baseEntries.TryGetValue(tensor.Name, out TensorEntry? entry)
            ? entry
            : throw new ArgumentException($"Tensor {tensor.Name} is not in the merged model.", nameof(tensor));
        _base.ReadFloat32(stored, firstElement, destination);
        if (_merged.TryGetValue(tensor.Name, out LoraModule? module))
        {
            AddUpdate(FactorsOf(module), module.Scaling, stored.RowLength, firstElement, destination);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _base.Dispose();
        _adapter.Dispose();
    }

    // destination[e] += s · Σk L[row, k] · R[k, column] for each element e = row · rowLength + column, summed in the
    // order PEFT's (and the test factory's) float32 matmul does, then scaled once.
    private static void AddUpdate(Factors factors, double scaling, long rowLength, long firstElement, Span<float> destination)
    {
        int rank = factors.Rank;
        float[] sums = ArrayPool<float>.Shared.Rent((int)Math.Min(rowLength, destination.Length));
        try
        {
            int done = 0;
            while (done < destination.Length)
            {
                long element = firstElement + done;
                long row = element / rowLength;
                int column = (int)(element % rowLength);
                int count = (int)Math.Min(destination.Length - done, rowLength - column);
                Span<float> sum = sums.AsSpan(0, count);
                sum.Clear();
                ReadOnlySpan<float> left = factors.Left.AsSpan((int)(row * rank), rank);
                for (int k = 0; k < rank; k++)
                {
                    float weight = left[k];
                    ReadOnlySpan<float> right = factors.Right.AsSpan((int)((k * rowLength) + column), count);
                    for (int c = 0; c < count; c++)
                    {
                        sum[c] += weight * right[c];
                    }
                }

                Span<float> target = destination.Slice(done, count);
                for (int c = 0; c < count; c++)
                {
                    target[c] += (float)(scaling * sum[c]);
                }

                done += count;
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(sums);
        }
    }

    private Factors FactorsOf(LoraModule module) =>
        _factors.GetOrAdd(module.ModulePath, _ => new Lazy<Factors>(() => LoadFactors(module), LazyThreadSafetyMode.ExecutionAndPublication)).Value;

    // Stored rows × rank (Left) and rank × stored row length (Right): B and A, or Aᵀ and Bᵀ for a transposed weight.
    private Factors LoadFactors(LoraModule module)
    {
        float[] a = ReadAll(module.A);
        float[] b = ReadAll(module.B);
        return module.Transposed(_adapter.Config.FanInFanOut)
            ? new Factors(Transpose(a, module.Rank, (int)module.In), Transpose(b, (int)module.Out, module.Rank), module.Rank)
            : new Factors(b, a, module.Rank);
    }

    private float[] ReadAll(TensorEntry factor)
    {
        if (factor.ElementCount > Array.MaxLength)
        {
            throw new ModelFormatException(_adapter.Directory, string.Create(CultureInfo.InvariantCulture, $"tensor \"{UntrustedText.Printable(factor.Name)}\" has {factor.ElementCount} elements, more than a LoRA factor can hold"));
        }

        var values = new float[factor.ElementCount];
        _adapter.Weights.ReadFloat32(factor, 0, values);
        return values;
    }

    private static float[] Transpose(float[] values, int rows, int columns)
    {
        var result = new float[values.Length];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                result[((long)c * rows) + r] = values[((long)r * columns) + c];
            }
        }

        return result;
    }

    private TensorEntry Served(TensorEntry entry)
    {
        if (_replaced.TryGetValue(entry.Name, out TensorEntry? replacement))
        {
            return new TensorEntry(entry.Name, replacement.DType, entry.Shape, replacement.SourceFile);
        }

        return _merged.ContainsKey(entry.Name) ? new TensorEntry(entry.Name, TensorDType.F32, entry.Shape, entry.SourceFile) : entry;
    }

    // Every dot-separated suffix of every base name → the names ending with it.
    private static Dictionary<string, List<string>> SuffixIndex(IReadOnlyList<TensorEntry> tensors)
    {
        var index = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (TensorEntry tensor in tensors)
        {
            string name = tensor.Name;
            for (int start = 0; start >= 0; start = name.IndexOf('.', start) is int dot and >= 0 ? dot + 1 : -1)
            {
                string suffix = name[start..];
                if (!index.TryGetValue(suffix, out List<string>? names))
                {
                    index[suffix] = names = [];
                }

                names.Add(name);
            }
        }

        return index;
    }

    private TensorEntry Match(string wanted, string adapterTensor, Dictionary<string, List<string>> suffixes, string basePath, Dictionary<string, string> claimed)
    {
        string shown = UntrustedText.Printable(adapterTensor);
        string? found = null;
        if (_baseEntries.ContainsKey(wanted))
        {
            found = wanted;
        }
        else
        {
            // Longest suffix first. A suffix that names several tensors ends the search: ambiguous while it still holds a
            // layer number (two towers with the same layout), else the distinguishing part is simply absent from the base.
            for (int start = 0; start >= 0 && found is null; start = wanted.IndexOf('.', start) is int dot and >= 0 ? dot + 1 : -1)
            {
                string suffix = wanted[start..];
                if (!suffixes.TryGetValue(suffix, out List<string>? names))
                {
                    continue;
                }

                if (names.Count == 1)
                {
                    found = names[0];
                }
                else if (suffix.Split('.').Any(segment => segment.Length > 0 && segment.All(char.IsAsciiDigit)))
                {
                    throw new ModelFormatException(_adapter.Directory, $"tensor \"{shown}\" could belong to any of {names.Count} base tensors ending in \"{UntrustedText.Printable(suffix)}\" (e.g. \"{UntrustedText.Printable(names[0])}\", \"{UntrustedText.Printable(names[1])}\"); the adapter does not fit {UntrustedText.PrintablePath(basePath)}'s naming");
                }
                else
                {
                    break;
                }
            }
        }

        if (found is null)
        {
            throw new ModelFormatException(_adapter.Directory, $"tensor \"{shown}\" adapts \"{UntrustedText.Printable(wanted)}\", which {UntrustedText.PrintablePath(basePath)} does not hold; pass the base model the adapter was trained on");
        }

        if (!claimed.TryAdd(found, adapterTensor))
        {
            throw new ModelFormatException(_adapter.Directory, $"tensors \"{UntrustedText.Printable(claimed[found])}\" and \"{shown}\" both change base tensor \"{UntrustedText.Printable(found)}\"; keep one");
        }

        return _baseEntries[found];
    }

    private static string ShapeMismatch(LoraModule module, TensorEntry target, IReadOnlyList<long> expected, bool fanInFanOut)
    {
        string problem = string.Create(CultureInfo.InvariantCulture,
            $"tensors \"{UntrustedText.Printable(module.A.Name)}\" {module.A.ShapeText} and \"{UntrustedText.Printable(module.B.Name)}\" {module.B.ShapeText} make an update of shape [{string.Join(", ", expected)}], but base tensor \"{UntrustedText.Printable(target.Name)}\" is {target.ShapeText}");
        bool transposedFits = target.Shape.Count == 2 && target.Shape[0] == expected[1] && target.Shape[1] == expected[0];
        return transposedFits && !module.Embedding
            ? problem + $"; the base stores it {(fanInFanOut ? "output" : "input")}-major, so fan_in_fan_out should be {(fanInFanOut ? "false" : "true")} in {AdapterConfig.FileName}"
            : problem + "; the adapter was not trained on this base";
    }

    private sealed record Factors(float[] Left, float[] Right, int Rank);
}
