using System.Globalization;
using System.Text;
using System.Text.Json;
using TensorGuard.Core.Formats;
using TensorGuard.Core.Formats.Safetensors;

namespace TensorGuard.ModelFactory;

/// <summary>One adapted projection as PEFT stores it: A (rank × in) and B (out × rank), logical out × in target.</summary>
public sealed record LoraPair(TensorRole Role, int Out, int In, float[] A, float[] B);

/// <summary>Where <see cref="LoraAdapter.Save"/> put an adapter.</summary>
public sealed record SavedAdapter(string Directory, string WeightsFile, string ConfigFile, string? CardFile);

/// <summary>
/// An unmerged LoRA adapter trained (synthetically) on a <see cref="TestModel"/>: what PEFT writes as
/// <c>adapter_model.safetensors</c> plus <c>adapter_config.json</c>. <see cref="MergeInto"/> gives the merged
/// model W + (alpha/r)·B·A, the ground truth for a reader that merges adapters itself.
/// </summary>
public sealed class LoraAdapter
{
    private LoraAdapter(string baseModel, Architecture architecture, int rank, double alpha, TensorDType dtype,
        IReadOnlyList<LoraPair> pairs, ModelCard? card, string description)
    {
        BaseModel = baseModel;
        Architecture = architecture;
        Rank = rank;
        Alpha = alpha;
        DType = dtype;
        Pairs = pairs;
        Card = card;
        Description = description;
    }

    /// <summary>Id of the model the adapter was trained on (<c>base_model_name_or_path</c>).</summary>
    public string BaseModel { get; }

    /// <summary>Architecture of that model (names the adapted modules).</summary>
    public Architecture Architecture { get; }

    /// <summary>PEFT's <c>r</c>: inner size of every A and B (the product's rank is at most min(r, out, in)).</summary>
    public int Rank { get; }

    /// <summary>PEFT's <c>lora_alpha</c>.</summary>
    public double Alpha { get; }

    /// <summary>Storage dtype of A and B; their values are representable in it.</summary>
    public TensorDType DType { get; }

    /// <summary>The adapted projections in graph order.</summary>
    public IReadOnlyList<LoraPair> Pairs { get; }

    /// <summary>The <c>README.md</c> written beside the adapter (none when null).</summary>
    public ModelCard? Card { get; }

    /// <summary>One line saying how the adapter was made.</summary>
    public string Description { get; }

    /// <summary>alpha / r, the factor PEFT applies to B·A.</summary>
    public double Scaling => Alpha / Rank;

    /// <summary>Short module names adapted, as in <c>target_modules</c> (e.g. <c>q_proj</c>), sorted.</summary>
    public IReadOnlyList<string> TargetModules => Pairs
        .Select(p => ModulePath(p.Role).Split('.')[^1])
        .Distinct(StringComparer.Ordinal)
        .Order(StringComparer.Ordinal)
        .ToArray();

    /// <summary>
    /// Draws an adapter for <paramref name="model"/>: A Gaussian with std 1/√in, B Gaussian with decaying
    /// columns, scaled so that (alpha/r)·B·A moves each target by <paramref name="relativeScale"/> of its norm.
    /// </summary>
    internal static LoraAdapter Train(TestModel model, int rank, double relativeScale = 0.02, double? alpha = null,
        long seed = 1, LoraTargets targets = LoraTargets.AllLinear, TensorDType dtype = TensorDType.F32)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rank, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(relativeScale);
        StorageDTypes.EnsureSupported(dtype);
        double loraAlpha = alpha ?? 2.0 * rank;
        double scaling = loraAlpha / rank;
        var pairs = new List<LoraPair>();
        foreach (TestTensor target in model.Weights.Where(t => IsTarget(t.Role, targets)).OrderBy(t => t.Role))
        {
            SeededRandom random = Derivations.Stream(model, seed, "lora", target);
            var a = new float[rank * target.Columns];
            var b = new float[target.Rows * rank];
            random.FillGaussian(a, 1.0 / Math.Sqrt(target.Columns));
            random.FillGaussian(b);
            for (int row = 0; row < target.Rows; row++)
            {
                for (int k = 0; k < rank; k++)
                {
                    b[(row * rank) + k] *= (float)(1.0 / Math.Sqrt(k + 1));
                }
            }

            double productNorm = Matrix.Norm(Matrix.Multiply(b, a, target.Rows, rank, target.Columns));
            float bScale = productNorm == 0 ? 0 : (float)(relativeScale * Matrix.Norm(target.Values) / (scaling * productNorm));
            for (int i = 0; i < b.Length; i++)
            {
                b[i] *= bScale;
            }

            pairs.Add(new LoraPair(target.Role, target.Rows, target.Columns, StorageDTypes.Round(dtype, a), StorageDTypes.Round(dtype, b)));
        }

        var card = new ModelCard { BaseModel = [model.Id], BaseModelRelation = "adapter", License = model.Card?.License };
        string description = string.Create(CultureInfo.InvariantCulture,
            $"LoRA rank {rank} alpha {loraAlpha:0.##} scale {relativeScale:0.####} ({targets}, seed {seed})");
        return new LoraAdapter(model.Id, model.Architecture, rank, loraAlpha, dtype, pairs, card, description);
    }

    /// <summary>The same adapter with another model card.</summary>
    public LoraAdapter WithCard(ModelCard card) => new(BaseModel, Architecture, Rank, Alpha, DType, Pairs, card, Description);

    /// <summary>The same adapter with no model card.</summary>
    public LoraAdapter WithoutCard() => new(BaseModel, Architecture, Rank, Alpha, DType, Pairs, null, Description);

    /// <summary>
    /// <paramref name="model"/> with the adapter merged: W + (alpha/r)·B·A on every adapted projection, matched
    /// by role (so any renaming or transposed storage of the model is kept).
    /// </summary>
    /// <exception cref="ArgumentException">The model lacks an adapted projection or its shape differs.</exception>
    public TestModel MergeInto(TestModel model)
    {
        var pending = Pairs.ToDictionary(p => p.Role);
        TestTensor[] tensors = model.Weights.Select(t => pending.Remove(t.Role, out LoraPair? pair) ? Merged(model, t, pair) : t).ToArray();
        if (pending.Count > 0)
        {
            throw new ArgumentException($"{model.Id} has no {string.Join(", ", pending.Keys)} for the adapter to merge into.", nameof(model));
        }

        return model.Derive("merged " + Description, tensors);
    }

    /// <summary>
    /// Writes <c>adapter_model.safetensors</c> (PEFT names such as
    /// <c>base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight</c>), <c>adapter_config.json</c> and, when
    /// there is a card, <c>README.md</c>. <paramref name="fanInFanOut"/> only sets the config flag: use it with a base
    /// stored transposed (<see cref="Derivations.TransposeLinear"/>), whose merge then adds (B·A)ᵀ to the stored weight.
    /// </summary>
    public SavedAdapter Save(string directory, bool fanInFanOut = false)
    {
        System.IO.Directory.CreateDirectory(directory);
        IEnumerable<SafetensorsWriter.Tensor> tensors = Pairs.SelectMany(p => new[]
        {
            new SafetensorsWriter.Tensor($"base_model.model.{ModulePath(p.Role)}.lora_A.weight", DType, [Rank, p.In], StorageDTypes.Encode(DType, p.A)),
            new SafetensorsWriter.Tensor($"base_model.model.{ModulePath(p.Role)}.lora_B.weight", DType, [p.Out, Rank], StorageDTypes.Encode(DType, p.B)),
        });
        string weights = Path.Combine(directory, "adapter_model.safetensors");
        SafetensorsWriter.Write(weights, tensors, new Dictionary<string, string> { ["format"] = "pt" });
        string config = ModelWriter.WriteText(directory, "adapter_config.json", ConfigJson(fanInFanOut))!;
        string? card = ModelWriter.WriteText(directory, "README.md", Card?.Render());
        return new SavedAdapter(directory, weights, config, card);
    }

    private TestTensor Merged(TestModel model, TestTensor target, LoraPair pair)
    {
        if (target.Rows != pair.Out || target.Columns != pair.In)
        {
            throw new ArgumentException($"{model.Id}'s {target.Role} is [{target.Rows}, {target.Columns}], the adapter expects [{pair.Out}, {pair.In}].", nameof(model));
        }

        float[] delta = Matrix.Multiply(pair.B, pair.A, pair.Out, Rank, pair.In);
        float[] merged = target.ToArray();
        for (int i = 0; i < merged.Length; i++)
        {
            merged[i] += (float)(Scaling * delta[i]);
        }

        return target.WithValues(merged);
    }

    private static bool IsTarget(TensorRole role, LoraTargets targets) => role.Kind switch
    {
        TensorKind.AttnQ or TensorKind.AttnK or TensorKind.AttnV or TensorKind.AttnQkv or TensorKind.AttnO => targets.HasFlag(LoraTargets.Attention),
        TensorKind.MlpGate or TensorKind.MlpUp or TensorKind.MlpGateUp or TensorKind.MlpDown => targets.HasFlag(LoraTargets.Mlp),
        _ => false,
    };

    // The module path PEFT keys the adapter by: the Hugging Face weight name without ".weight".
    private string ModulePath(TensorRole role) => TensorNaming.HuggingFaceName(role, Architecture)[..^".weight".Length];

    private string ConfigJson(bool fanInFanOut)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("base_model_name_or_path", BaseModel);
            json.WriteString("peft_type", "LORA");
            json.WriteString("task_type", "CAUSAL_LM");
            json.WriteNumber("r", Rank);
            json.WriteNumber("lora_alpha", Alpha);
            json.WriteNumber("lora_dropout", 0.05);
            json.WriteStartArray("target_modules");
            foreach (string module in TargetModules)
            {
                json.WriteStringValue(module);
            }

            json.WriteEndArray();
            json.WriteBoolean("fan_in_fan_out", fanInFanOut);
            json.WriteString("bias", "none");
            json.WriteBoolean("inference_mode", true);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }
}
