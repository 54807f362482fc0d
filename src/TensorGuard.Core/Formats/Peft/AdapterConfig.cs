using System.Globalization;
using System.Text.Json;

namespace TensorGuard.Core.Formats.Peft;

/// <summary>
/// The fields of a PEFT <c>adapter_config.json</c> that decide how a LoRA adapter merges into its base:
/// W + s·B·A with s = alpha / r (alpha / √r with rsLoRA), per-module rank and alpha overrides
/// (<c>rank_pattern</c>, <c>alpha_pattern</c>), and whether the base stores those weights input-major
/// (<c>fan_in_fan_out</c>, GPT-2's Conv1D).
/// </summary>
/// <param name="BaseModel"><c>base_model_name_or_path</c>, as declared (never followed as a path).</param>
/// <param name="TargetModules">
/// <c>target_modules</c> as a list of module names; a single string (a regular expression, or
/// <c>all-linear</c>) is kept as its one element with <paramref name="TargetModulesPattern"/> set.
/// </param>
public sealed record AdapterConfig(
    string Path,
    string? BaseModel,
    string PeftType,
    int Rank,
    double Alpha,
    IReadOnlyList<string> TargetModules,
    bool TargetModulesPattern,
    bool FanInFanOut,
    bool UseRslora,
    IReadOnlyDictionary<string, int> RankPattern,
    IReadOnlyDictionary<string, double> AlphaPattern,
    IReadOnlyList<string> ModulesToSave)
{
    /// <summary>The conventional file name.</summary>
    public const string FileName = "adapter_config.json";

    /// <summary>Largest rank accepted; real adapters use 4–256, full-rank "adapters" of 8B models stay below this.</summary>
    public const int MaxRank = 65_536;

    /// <summary>Largest config read; real ones are a few kilobytes.</summary>
    public const int MaxBytes = 1 << 20;
    private const int MaxJsonDepth = 16;

    /// <summary>The factor s applied to B·A for a module of rank <paramref name="rank"/> and alpha <paramref name="alpha"/>.</summary>
    public double Scaling(int rank, double alpha) => UseRslora ? alpha / Math.Sqrt(rank) : alpha / rank;

    /// <summary>The rank configured for <paramref name="modulePath"/> (<c>rank_pattern</c> first, then <c>r</c>).</summary>
    public int RankOf(string modulePath) => PatternValue(RankPattern, modulePath) ?? Rank;

    /// <summary>The alpha configured for <paramref name="modulePath"/> (<c>alpha_pattern</c> first, then <c>lora_alpha</c>).</summary>
    public double AlphaOf(string modulePath) => PatternValue(AlphaPattern, modulePath) ?? Alpha;

    /// <summary>Reads and validates <c>adapter_config.json</c> at <paramref name="path"/>.</summary>
    /// <exception cref="ModelFormatException">The file is unreadable, too large, not JSON, or a field is missing or invalid.</exception>
    public static AdapterConfig Read(string path)
    {
        byte[] bytes = ReadBounded(path);
        using JsonDocument document = UntrustedJson.Parse(path, bytes, MaxJsonDepth, FileName);
        JsonElement root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new ModelFormatException(path, $"{FileName} must be a JSON object, found {root.ValueKind}");
        }

        string peftType = OptionalString(path, root, "peft_type") ?? "LORA";
        if (!string.Equals(peftType, "LORA", StringComparison.OrdinalIgnoreCase))
        {
            throw new ModelFormatException(path, $"peft_type is \"{UntrustedText.Printable(peftType)}\"; only LoRA adapters (peft_type LORA) can be merged and fingerprinted");
        }

        if (Flag(path, root, "use_dora"))
        {
            throw new ModelFormatException(path, "use_dora is true: DoRA adapters rescale each merged weight by a learned magnitude, which is not supported; merge the adapter with PEFT (merge_and_unload) and check the merged model");
        }

        bool pattern = root.TryGetProperty("target_modules", out JsonElement targets) && targets.ValueKind == JsonValueKind.String;
        return new AdapterConfig(
            path,
            OptionalString(path, root, "base_model_name_or_path"),
            peftType.ToUpperInvariant(),
            RankValue(path, Required(path, root, "r"), "r"),
            AlphaValue(path, Required(path, root, "lora_alpha"), "lora_alpha"),
            pattern ? [targets.GetString()!] : StringList(path, root, "target_modules"),
            pattern,
            Flag(path, root, "fan_in_fan_out"),
            Flag(path, root, "use_rslora"),
            Pattern(path, root, "rank_pattern", (value, key) => RankValue(path, value, $"rank_pattern[\"{key}\"]")),
            Pattern(path, root, "alpha_pattern", (value, key) => AlphaValue(path, value, $"alpha_pattern[\"{key}\"]")),
            StringList(path, root, "modules_to_save"));
    }

    // PEFT matches a pattern key against the end of the module path, on a dot boundary.
    private static T? PatternValue<T>(IReadOnlyDictionary<string, T> pattern, string modulePath)
        where T : struct
    {
        foreach ((string key, T value) in pattern)
        {
            if (modulePath == key || modulePath.EndsWith("." + key, StringComparison.Ordinal))
            {
                return value;
            }
        }

        return null;
    }

    private static byte[] ReadBounded(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw new ModelFormatException(path, $"no {FileName}; a PEFT adapter folder holds {FileName} beside adapter_model.safetensors");
            }

            RegularFile.Require(path, FileName);
            if (info.Length > MaxBytes)
            {
                throw new ModelFormatException(path, string.Create(CultureInfo.InvariantCulture, $"{FileName} is {info.Length} bytes, over the {MaxBytes}-byte limit; real ones are a few kilobytes"));
            }

            return File.ReadAllBytes(path);
        }
        catch (Exception error) when (FileErrors.IsFileSystemError(error))
        {
            throw new ModelFormatException(path, $"cannot read {FileName} ({FileErrors.Describe(error)})");
        }
    }

    private static JsonElement? Field(JsonElement root, string name) =>
        root.TryGetProperty(name, out JsonElement value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private static JsonElement Required(string path, JsonElement root, string name) =>
        Field(root, name) ?? throw new ModelFormatException(path, $"{FileName} has no \"{name}\"; PEFT writes it for every LoRA adapter");

    private static string? OptionalString(string path, JsonElement root, string name) => Field(root, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } value => value.GetString(),
        { } value => throw new ModelFormatException(path, $"{FileName} field {name} must be a string, found {value.ValueKind}"),
    };

    private static bool Flag(string path, JsonElement root, string name) => Field(root, name) switch
    {
        null => false,
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        { } value => throw new ModelFormatException(path, $"{FileName} field {name} must be true or false, found {UntrustedText.Printable(value.GetRawText())}"),
    };

    private static int RankValue(string path, JsonElement value, string what)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out long rank) || rank < 1 || rank > MaxRank)
        {
            throw new ModelFormatException(path, string.Create(CultureInfo.InvariantCulture,
                $"{FileName} {what} must be an integer from 1 to {MaxRank}, found {UntrustedText.Printable(value.GetRawText())}"));
        }

        return (int)rank;
    }

    private static double AlphaValue(string path, JsonElement value, string what)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out double alpha) || !double.IsFinite(alpha))
        {
            throw new ModelFormatException(path, $"{FileName} {what} must be a finite number, found {UntrustedText.Printable(value.GetRawText())}");
        }

        return alpha;
    }

    private static IReadOnlyList<string> StringList(string path, JsonElement root, string name)
    {
        if (Field(root, name) is not { } list)
        {
            return [];
        }

        if (list.ValueKind != JsonValueKind.Array || list.EnumerateArray().Any(item => item.ValueKind != JsonValueKind.String))
        {
            throw new ModelFormatException(path, $"{FileName} field {name} must be a list of module names, found {UntrustedText.Printable(list.GetRawText())}");
        }

        return list.EnumerateArray().Select(item => item.GetString()!).ToArray();
    }

    private static IReadOnlyDictionary<string, T> Pattern<T>(string path, JsonElement root, string name, Func<JsonElement, string, T> read)
    {
        if (Field(root, name) is not { } map)
        {
            return new Dictionary<string, T>();
        }

        if (map.ValueKind != JsonValueKind.Object)
        {
            throw new ModelFormatException(path, $"{FileName} field {name} must map module names to values, found {map.ValueKind}");
        }

        var values = new SortedDictionary<string, T>(StringComparer.Ordinal);
        foreach (JsonProperty entry in map.EnumerateObject())
        {
            if (entry.Name.Length == 0 || !values.TryAdd(entry.Name, read(entry.Value, UntrustedText.Printable(entry.Name))))
            {
                throw new ModelFormatException(path, $"{FileName} field {name} has an empty or repeated key \"{UntrustedText.Printable(entry.Name)}\"");
            }
        }

        return values;
    }
}
