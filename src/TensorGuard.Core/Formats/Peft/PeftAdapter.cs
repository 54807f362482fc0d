using System.Globalization;

namespace TensorGuard.Core.Formats.Peft;

/// <summary>
/// A PEFT LoRA adapter folder: <c>adapter_config.json</c> and <c>adapter_model.safetensors</c> (or the older
/// <c>adapter_model.bin</c>, read without unpickling code). Opening validates the config, pairs every
/// <c>lora_A</c> with its <c>lora_B</c>, checks their ranks and reads every factor once to reject non-finite values,
/// so a malformed adapter fails here with one message naming the tensor. The adapter alone is not a model: <see cref="MergeInto"/> lays it over its base's weights.
/// </summary>
public sealed class PeftAdapter : IDisposable
{
    /// <summary>Format name shown in reports.</summary>
    public const string FormatName = "peft-lora";

    /// <summary>Weight file names PEFT writes, preferred first.</summary>
    public static readonly string[] WeightFileNames = ["adapter_model.safetensors", "adapter_model.bin"];

    private const string PeftPrefix = "base_model.model.";

    private readonly TensorFileFormats.Opened _weights;
    private readonly ModelFile _configFile;

    private PeftAdapter(string directory, AdapterConfig config, ModelFile configFile, TensorFileFormats.Opened weights,
        IReadOnlyList<LoraModule> modules, IReadOnlyList<(string Name, TensorEntry Entry)> replacements)
    {
        Directory = directory;
        _configFile = configFile;
        Config = config;
        _weights = weights;
        Modules = modules;
        Replacements = replacements;
    }

    /// <summary>The adapter's folder (a Hub reference for an adapter on the Hub).</summary>
    public string Directory { get; }

    /// <summary>The validated <c>adapter_config.json</c>.</summary>
    public AdapterConfig Config { get; }

    /// <summary>The adapter's weights (A and B factors, saved modules) as stored.</summary>
    public ITensorSource Weights => _weights.Source;

    /// <summary>The adapter weight file's own metadata (safetensors <c>__metadata__</c>).</summary>
    public IReadOnlyDictionary<string, string> Metadata => _weights.Metadata;

    /// <summary>The adapter's files: config and weights.</summary>
    public IReadOnlyList<ModelFile> Files => [_configFile, .. _weights.Files];

    /// <summary>Every adapted module, sorted by path.</summary>
    public IReadOnlyList<LoraModule> Modules { get; }

    /// <summary>
    /// Whole tensors the adapter replaces (<c>modules_to_save</c>, biases trained with <c>bias: all</c>), under their
    /// names in the model (PEFT's <c>base_model.model.</c> prefix removed).
    /// </summary>
    public IReadOnlyList<(string Name, TensorEntry Entry)> Replacements { get; }

    /// <summary>
    /// The adapter folder <paramref name="path"/> stands for: the folder itself when it holds <c>adapter_config.json</c>
    /// and no full model's weights, or the folder of an <c>adapter_model.*</c> file (whose config must then be beside it);
    /// else null.
    /// </summary>
    /// <param name="holdsModelWeights">Whether a folder holds a full model's weights (which then win over the adapter).</param>
    public static string? Locate(string path, Func<string, bool> holdsModelWeights)
    {
        if (System.IO.Directory.Exists(path))
        {
            return File.Exists(System.IO.Path.Combine(path, AdapterConfig.FileName)) && !holdsModelWeights(path) ? path : null;
        }

        string? folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        return folder is not null && WeightFileNames.Contains(System.IO.Path.GetFileName(path), StringComparer.Ordinal) ? folder : null;
    }

    /// <summary>Opens and validates the adapter in <paramref name="directory"/>.</summary>
    /// <exception cref="ModelFormatException">The config or weights are missing, malformed or inconsistent.</exception>
    public static PeftAdapter Open(string directory)
    {
        if (!File.Exists(System.IO.Path.Combine(directory, AdapterConfig.FileName)))
        {
            throw new ModelFormatException(directory, $"holds PEFT adapter weights but no {AdapterConfig.FileName}; copy the config PEFT saved beside them");
        }

        string configPath = ExternalDataPath.Resolve(directory, directory, AdapterConfig.FileName, "PEFT adapter");
        AdapterConfig config = AdapterConfig.Read(configPath);
        string? weightsName = WeightFileNames.FirstOrDefault(name => File.Exists(System.IO.Path.Combine(directory, name)));
        if (weightsName is null)
        {
            throw new ModelFormatException(directory, $"holds {AdapterConfig.FileName} but no adapter weights; expected {string.Join(" or ", WeightFileNames)} beside it");
        }

        string weightsPath = ExternalDataPath.Resolve(directory, directory, weightsName, "PEFT adapter");
        return Open(directory, config, new ModelFile(configPath, new FileInfo(configPath).Length), TensorFileFormats.Open(weightsPath));
    }

    /// <summary>
    /// Validates the adapter at <paramref name="location"/> (a folder or a Hub reference) from its read config and its
    /// opened weights file, which the result owns (disposed here if validation fails).
    /// </summary>
    /// <param name="location">Where the adapter is, for messages.</param>
    /// <param name="config">The adapter's <c>adapter_config.json</c>, read.</param>
    /// <param name="configFile">That file, as documents record it.</param>
    /// <param name="weights">The adapter's weights file, opened.</param>
    /// <exception cref="ModelFormatException">The weights are malformed or do not fit the config.</exception>
    public static PeftAdapter Open(string location, AdapterConfig config, ModelFile configFile, TensorFileFormats.Opened weights)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(configFile);
        ArgumentNullException.ThrowIfNull(weights);
        string weightsPath = weights.Files[0].Path;
        try
        {
            (LoraModule[] modules, (string, TensorEntry)[] replacements) = Pair(weightsPath, config, weights.Source.Tensors);
            CheckFinite(weightsPath, weights.Source, modules);
            return new PeftAdapter(location, config, configFile, weights, modules, replacements);
        }
        catch
        {
            weights.Source.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The base model with this adapter merged: W + s·B·A on every adapted weight, computed lazily per row block
    /// (see <see cref="LoraMergedSource"/>). Takes ownership of <paramref name="baseModel"/>.
    /// </summary>
    /// <exception cref="ModelFormatException">A LoRA module matches no base tensor, or shapes disagree.</exception>
    public ITensorSource MergeInto(ITensorSource baseModel, string basePath) => new LoraMergedSource(this, baseModel, basePath);

    /// <inheritdoc />
    public void Dispose() => _weights.Source.Dispose();

    private enum Factor
    {
        A,
        B,
    }

    private static void CheckFinite(string path, ITensorSource weights, IEnumerable<LoraModule> modules)
    {
        var buffer = new float[1 << 16];
        foreach (TensorEntry factor in modules.SelectMany(m => new[] { m.A, m.B }))
        {
            for (long first = 0; first < factor.ElementCount; first += buffer.Length)
            {
                Span<float> block = buffer.AsSpan(0, (int)Math.Min(buffer.Length, factor.ElementCount - first));
                weights.ReadFloat32(factor, first, block);
                foreach (float value in block)
                {
                    if (!float.IsFinite(value))
                    {
                        throw new ModelFormatException(path, $"tensor \"{UntrustedText.Printable(factor.Name)}\" holds NaN or infinite values; the merged model would be meaningless");
                    }
                }
            }
        }
    }

    private static (LoraModule[], (string, TensorEntry)[]) Pair(string path, AdapterConfig config, IReadOnlyList<TensorEntry> tensors)
    {
        var factors = new SortedDictionary<string, (TensorEntry? A, TensorEntry? B, bool Embedding)>(StringComparer.Ordinal);
        var replacements = new List<(string, TensorEntry)>();
        foreach (TensorEntry tensor in tensors)
        {
            string name = tensor.Name.StartsWith(PeftPrefix, StringComparison.Ordinal) ? tensor.Name[PeftPrefix.Length..] : tensor.Name;
            if (!TryParseFactor(path, tensor, name, out string module, out Factor factor, out bool embedding))
            {
                replacements.Add((name, tensor));
                continue;
            }

            (TensorEntry? a, TensorEntry? b, bool wasEmbedding) = factors.GetValueOrDefault(module);
            if ((factor == Factor.A ? a : b) is not null || ((a ?? b) is not null && wasEmbedding != embedding))
            {
                throw new ModelFormatException(path, $"module \"{UntrustedText.Printable(module)}\" has two lora_{factor} tensors (\"{UntrustedText.Printable(tensor.Name)}\" is the second); keep one adapter per file");
            }

            factors[module] = factor == Factor.A ? (tensor, b, embedding) : (a, tensor, embedding);
        }

        if (factors.Count == 0)
        {
            throw new ModelFormatException(path, "holds no lora_A/lora_B tensors; this is not a LoRA adapter's weight file");
        }

        LoraModule[] modules = factors.Select(pair => Module(path, config, pair.Key, pair.Value.A, pair.Value.B, pair.Value.Embedding)).ToArray();
        return (modules, replacements.OrderBy(r => r.Item1, StringComparer.Ordinal).ToArray());
    }

    // base_model.model.<module>.lora_A[.<adapter name>].weight, or .lora_embedding_A[.<adapter name>] for embeddings.
    private static bool TryParseFactor(string path, TensorEntry tensor, string name, out string module, out Factor factor, out bool embedding)
    {
        string[] segments = name.Split('.');
        int at = Array.FindIndex(segments, segment => segment.StartsWith("lora_", StringComparison.Ordinal));
        module = at > 0 ? string.Join('.', segments, 0, at) : string.Empty;
        factor = Factor.A;
        embedding = false;
        if (at < 0)
        {
            return false;
        }

        string kind = segments[at];
        string[] rest = segments[(at + 1)..];
        (factor, embedding) = kind switch
        {
            "lora_A" => (Factor.A, false),
            "lora_B" => (Factor.B, false),
            "lora_embedding_A" => (Factor.A, true),
            "lora_embedding_B" => (Factor.B, true),
            "lora_magnitude_vector" => throw new ModelFormatException(path, $"tensor \"{UntrustedText.Printable(tensor.Name)}\" is a DoRA magnitude vector; DoRA adapters are not supported, merge them with PEFT first"),
            _ => throw new ModelFormatException(path, $"tensor \"{UntrustedText.Printable(tensor.Name)}\" has an unknown LoRA part \"{UntrustedText.Printable(kind)}\"; expected lora_A, lora_B, lora_embedding_A or lora_embedding_B"),
        };
        bool wellFormed = module.Length > 0 && (embedding
            ? rest.Length <= 1 && !rest.Contains("bias")
            : rest is ["weight"] or [_, "weight"]);
        if (!wellFormed)
        {
            throw new ModelFormatException(path, $"tensor \"{UntrustedText.Printable(tensor.Name)}\" is not a LoRA weight PEFT writes (expected <module>.{kind}{(embedding ? "" : ".weight")}); LoRA biases and nameless modules are not supported");
        }

        return true;
    }

    private static LoraModule Module(string path, AdapterConfig config, string module, TensorEntry? a, TensorEntry? b, bool embedding)
    {
        string shown = UntrustedText.Printable(module);
        string prefix = embedding ? "lora_embedding_" : "lora_";
        if (a is null || b is null)
        {
            throw new ModelFormatException(path, $"module \"{shown}\" has {prefix}{(a is null ? "B" : "A")} but no {prefix}{(a is null ? "A" : "B")}; the adapter file is incomplete");
        }

        foreach (TensorEntry factor in new[] { a, b })
        {
            if (factor.Shape.Count != 2 || factor.Shape.Any(d => d <= 0) || !factor.DType.IsFloatingPoint())
            {
                throw new ModelFormatException(path, $"tensor \"{UntrustedText.Printable(factor.Name)}\" is {factor.DType.Name()} {factor.ShapeText}; LoRA factors are non-empty floating-point matrices (convolution LoRA is not supported)");
            }
        }

        int rank = config.RankOf(module);
        if (a.Shape[0] != rank || b.Shape[1] != rank)
        {
            throw new ModelFormatException(path, string.Create(CultureInfo.InvariantCulture,
                $"module \"{shown}\": {prefix}A is {a.ShapeText} and {prefix}B is {b.ShapeText}, but {AdapterConfig.FileName} gives it rank {rank}; expected A [{rank}, in] and B [out, {rank}]"));
        }

        return new LoraModule(module, a, b, rank, config.Scaling(rank, config.AlphaOf(module)), embedding);
    }
}
