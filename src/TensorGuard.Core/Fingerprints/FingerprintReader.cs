using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using TensorGuard.Core.Fingerprints.Identity;
using TensorGuard.Core.Fingerprints.Lineage;
using TensorGuard.Core.Formats;

namespace TensorGuard.Core.Fingerprints;

/// <summary>
/// Reads fingerprint documents: TensorGuard's own format (any method section this build knows) and the
/// reference implementation's flat files. Every problem is an <see cref="InvalidInputException"/> that
/// names the file, the problem and the fix.
/// </summary>
public static partial class FingerprintReader
{
    /// <summary>Larger files are not fingerprints (ours hold one entry per analysed tensor).</summary>
    public const long MaxFileSize = 64L << 20;

    private const string Recompute = "recompute it with `tensorguard fingerprint MODEL`";

    private static readonly JsonDocumentOptions JsonOptions = new()
    {
        MaxDepth = 16,
        AllowDuplicateProperties = false,
    };

    /// <summary>Whether <paramref name="path"/> names a fingerprint file rather than a model (a <c>.json</c> file that is not a shard index).</summary>
    public static bool IsFingerprintPath(string path) =>
        path.EndsWith(".json", StringComparison.OrdinalIgnoreCase)
        && !path.EndsWith(".index.json", StringComparison.OrdinalIgnoreCase)
        && !Directory.Exists(path)
        && !Formats.Hub.HubReference.IsHubReference(path);

    /// <summary>Reads the fingerprint file at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidInputException">The file is missing, unreadable, too large or not a valid fingerprint.</exception>
    public static FingerprintDocument Read(string path)
    {
        byte[] bytes;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw Invalid(path, "no such file", "check the path");
            }

            if (info.Length > MaxFileSize)
            {
                throw Invalid(path, $"is {info.Length} bytes, larger than any fingerprint ({MaxFileSize} bytes at most)", "pass a fingerprint JSON file or a model");
            }

            bytes = File.ReadAllBytes(path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw Invalid(path, $"cannot be read ({error.Message})", "check the path and its permissions");
        }

        return Parse(bytes, path, Path.GetFileName(path));
    }

    /// <summary>Parses a fingerprint from UTF-8 JSON.</summary>
    /// <param name="json">The document.</param>
    /// <param name="source">Where it came from, for messages.</param>
    /// <param name="fallbackName">Model name for reference files that lack <c>model_name</c>.</param>
    /// <exception cref="InvalidInputException">Not a valid fingerprint.</exception>
    public static FingerprintDocument Parse(ReadOnlyMemory<byte> json, string source, string fallbackName)
    {
        using JsonDocument document = ParseJson(json, source);
        JsonElement root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(source, "is not a fingerprint (the JSON is not an object)", "pass a file written by `tensorguard fingerprint`");
        }

        if (root.TryGetProperty("schema", out _))
        {
            return ReadTensorGuard(root, source);
        }

        if (root.TryGetProperty(GradientFeatures.Name(GradientFeatures.GlobalPrefix, "mean"), out _))
        {
            return ReadReference(root, source, fallbackName);
        }

        throw Invalid(source, "is not a fingerprint (neither a \"schema\" nor a \"global_mean\" key)", "pass a file written by `tensorguard fingerprint` or a reference *_features.json file");
    }

    private static JsonDocument ParseJson(ReadOnlyMemory<byte> json, string source)
    {
        try
        {
            return JsonDocument.Parse(json, JsonOptions);
        }
        catch (JsonException error)
        {
            string text = System.Text.Encoding.UTF8.GetString(json.Span);
            Match literal = NonFiniteLiteral().Match(text);
            if (literal.Success)
            {
                throw Invalid(source, $"feature {UntrustedText.Printable(literal.Groups["key"].Value)} is {literal.Groups["value"].Value}, not a finite number", Recompute + " from intact weights");
            }

            string where = error.LineNumber is { } line ? string.Create(CultureInfo.InvariantCulture, $" at line {line + 1}, byte {error.BytePositionInLine + 1}") : "";
            throw Invalid(source, $"is not valid JSON{where}", "pass a fingerprint JSON file");
        }
    }

    private static FingerprintDocument ReadTensorGuard(JsonElement root, string source)
    {
        string schema = RequiredString(root, "schema", source);
        if (schema != FingerprintDocument.SchemaId)
        {
            throw Invalid(source, $"has schema \"{UntrustedText.Printable(schema)}\", not {FingerprintDocument.SchemaId}", "pass a TensorGuard fingerprint");
        }

        long version = RequiredInteger(root, "schemaVersion", source);
        if (version != FingerprintDocument.SchemaVersion)
        {
            throw Invalid(source, $"has schemaVersion {version}, which this TensorGuard does not read (it reads {FingerprintDocument.SchemaVersion})", "use the TensorGuard version that wrote it, or " + Recompute);
        }

        JsonElement model = RequiredProperty(root, "model", JsonValueKind.Object, source);
        JsonElement methods = RequiredProperty(root, "methods", JsonValueKind.Object, source);
        GradientFingerprint? gradient = null;
        LineageSketch? lineage = null;
        IdentityFingerprint? identity = null;
        foreach (JsonProperty method in methods.EnumerateObject())
        {
            switch (method.Name)
            {
                case GradientFingerprint.MethodId:
                    gradient = ReadGradient(method.Value, source);
                    break;
                case LineageSettings.MethodId:
                    lineage = ReadLineage(method.Value, source);
                    break;
                case IdentityFingerprint.MethodId:
                    identity = ReadIdentity(method.Value, source);
                    break;
                default:
                    throw Invalid(source, $"holds a fingerprint of method \"{UntrustedText.Printable(method.Name)}\", which this TensorGuard does not know", $"upgrade TensorGuard or {Recompute}");
            }
        }

        return new FingerprintDocument
        {
            ModelName = RequiredString(model, "name", source),
            ParameterCount = NonNegative(RequiredInteger(model, "parameterCount", source), "model.parameterCount", source),
            Files = RequiredProperty(model, "files", JsonValueKind.Array, source).EnumerateArray().Select(file => ReadSourceFile(file, source)).ToArray(),
            Gradient = gradient,
            Lineage = lineage,
            Identity = identity,
            Warnings = root.TryGetProperty("warnings", out JsonElement warnings)
                ? Expect(warnings, JsonValueKind.Array, "warnings", source).EnumerateArray().Select(w => Expect(w, JsonValueKind.String, "warnings[]", source).GetString()!).ToArray()
                : [],
        };
    }

    private static SourceFile ReadSourceFile(JsonElement file, string source)
    {
        Expect(file, JsonValueKind.Object, "model.files[]", source);
        string sha256 = RequiredString(file, "sha256", source);
        if (!Sha256Hex().IsMatch(sha256))
        {
            throw Invalid(source, $"file hash \"{UntrustedText.Printable(sha256)}\" is not 64 lower-case hex digits", Recompute);
        }

        return new SourceFile(RequiredString(file, "path", source), sha256, NonNegative(RequiredInteger(file, "size", source), "size", source));
    }

    private static GradientFingerprint ReadGradient(JsonElement section, string source)
    {
        string where = $"methods.{GradientFingerprint.MethodId}";
        Expect(section, JsonValueKind.Object, where, source);
        long version = RequiredInteger(section, "version", source);
        if (version != GradientFingerprint.MethodVersion)
        {
            throw Invalid(source, $"holds {GradientFingerprint.MethodId} version {version}; this TensorGuard computes and compares version {GradientFingerprint.MethodVersion} only", Recompute);
        }

        GradientParameters? parameters = section.TryGetProperty("parameters", out JsonElement p) ? ReadParameters(p, source) : null;
        JsonElement featureObject = RequiredProperty(section, "features", JsonValueKind.Object, source);
        var values = new List<KeyValuePair<string, double>>();
        foreach (JsonProperty feature in featureObject.EnumerateObject())
        {
            values.Add(KeyValuePair.Create(feature.Name, Finite(feature.Value, $"feature {UntrustedText.Printable(feature.Name)}", source)));
        }

        IReadOnlyList<TensorGradient> tensors = section.TryGetProperty("tensors", out JsonElement t)
            ? Expect(t, JsonValueKind.Array, $"{where}.tensors", source).EnumerateArray().Select(tensor => ReadTensor(tensor, source)).ToArray()
            : [];
        return new GradientFingerprint(parameters, Features(values, source), tensors);
    }

    private static LineageSketch ReadLineage(JsonElement section, string source)
    {
        Expect(section, JsonValueKind.Object, $"methods.{LineageSettings.MethodId}", source);
        long version = RequiredInteger(section, "version", source);
        if (version != LineageSettings.Version)
        {
            throw Invalid(source, $"holds {LineageSettings.MethodId} version {version}; this TensorGuard computes and compares version {LineageSettings.Version} only", Recompute);
        }

        JsonElement sketch = RequiredProperty(section, "sketch", JsonValueKind.String, source);
        if (!sketch.TryGetBytesFromBase64(out byte[]? bytes))
        {
            throw Invalid(source, $"the {LineageSettings.MethodId} sketch is not base64", Recompute);
        }

        try
        {
            return LineageSketchCodec.Decode(bytes);
        }
        catch (InvalidInputException error)
        {
            throw Invalid(source, error.Message, Recompute);
        }
    }

    private static IdentityFingerprint ReadIdentity(JsonElement section, string source)
    {
        string where = $"methods.{IdentityFingerprint.MethodId}";
        Expect(section, JsonValueKind.Object, where, source);
        long version = RequiredInteger(section, "version", source);
        string hash = RequiredString(section, "hash", source);
        if (version != IdentityFingerprint.Version || hash != IdentityFingerprint.HashName)
        {
            throw Invalid(source, $"holds {IdentityFingerprint.MethodId} version {version} with hash \"{UntrustedText.Printable(hash)}\"; this TensorGuard compares version {IdentityFingerprint.Version} ({IdentityFingerprint.HashName}) only", Recompute);
        }

        return new IdentityFingerprint(RequiredProperty(section, "tensors", JsonValueKind.Array, source).EnumerateArray().Select(tensor =>
        {
            Expect(tensor, JsonValueKind.Object, $"{where}.tensors[]", source);
            string name = RequiredString(tensor, "name", source);
            string digest = RequiredString(tensor, "hash", source);
            if (!Hash128Hex().IsMatch(digest))
            {
                throw Invalid(source, $"tensor \"{UntrustedText.Printable(name)}\" has hash \"{UntrustedText.Printable(digest)}\", not 32 lower-case hex digits", Recompute);
            }

            bool trivial = tensor.TryGetProperty("trivial", out JsonElement flag) && flag.ValueKind is JsonValueKind.True or JsonValueKind.False
                ? flag.GetBoolean()
                : throw Invalid(source, $"tensor \"{UntrustedText.Printable(name)}\" has no boolean \"trivial\"", Recompute);
            return new TensorHash(name, RequiredString(tensor, "dtype", source),
                RequiredProperty(tensor, "shape", JsonValueKind.Array, source).EnumerateArray().Select(dim => NonNegative(Integer(dim, "shape[]", source), "shape[]", source)).ToArray(),
                NonNegative(RequiredInteger(tensor, "bytes", source), "bytes", source), digest, trivial);
        }).ToArray());
    }

    private static GradientParameters ReadParameters(JsonElement parameters, string source)
    {
        Expect(parameters, JsonValueKind.Object, "parameters", source);
        return new GradientParameters(
            RequiredInteger(parameters, "probeSeed", source),
            RequiredProperty(parameters, "probeKinds", JsonValueKind.Array, source).EnumerateArray().Select(kind => Expect(kind, JsonValueKind.String, "probeKinds[]", source).GetString()!).ToArray(),
            (int)Math.Clamp(RequiredInteger(parameters, "probesPerKind", source), 0, int.MaxValue),
            Finite(RequiredProperty(parameters, "adversarialEpsilon", JsonValueKind.Number, source), "adversarialEpsilon", source),
            (int)Math.Clamp(RequiredInteger(parameters, "adversarialClasses", source), 0, int.MaxValue),
            (int)Math.Clamp(RequiredInteger(parameters, "tensorsPerRole", source), 0, int.MaxValue));
    }

    private static TensorGradient ReadTensor(JsonElement tensor, string source)
    {
        Expect(tensor, JsonValueKind.Object, "tensors[]", source);
        string name = RequiredString(tensor, "name", source);
        long[] shape = RequiredProperty(tensor, "shape", JsonValueKind.Array, source).EnumerateArray()
            .Select(dim => NonNegative(Integer(dim, "shape[]", source), "shape[]", source)).ToArray();
        string typeName = RequiredString(tensor, "layerType", source);
        if (!LayerTypes.TryParse(typeName, out LayerType type))
        {
            throw Invalid(source, $"tensor \"{UntrustedText.Printable(name)}\" has unknown layerType \"{UntrustedText.Printable(typeName)}\"", Recompute);
        }

        double[] statistics = GradientStatistics.Names
            .Select(stat => Finite(RequiredProperty(tensor, stat, JsonValueKind.Number, source), $"{stat} of tensor \"{UntrustedText.Printable(name)}\"", source))
            .ToArray();
        return new TensorGradient(name, shape, type, GradientStatistics.FromValues(statistics));
    }

    private static FingerprintDocument ReadReference(JsonElement root, string source, string fallbackName)
    {
        var values = new List<KeyValuePair<string, double>>();
        string? modelName = null;
        foreach (JsonProperty property in root.EnumerateObject())
        {
            if (property.Name == ReferenceLayout.ModelName)
            {
                modelName = Expect(property.Value, JsonValueKind.String, ReferenceLayout.ModelName, source).GetString();
            }
            else if (ReferenceLayout.Keys.Contains(property.Name) && property.Value.ValueKind != JsonValueKind.Null)
            {
                values.Add(KeyValuePair.Create(property.Name, Finite(property.Value, $"feature {property.Name}", source)));
            }
        }

        GradientFeatures features = Features(values, source);
        double totalParams = features[GradientFeatures.TotalParams]!.Value;
        if (totalParams < 0 || totalParams != Math.Floor(totalParams) || totalParams > long.MaxValue)
        {
            throw Invalid(source, $"total_params {totalParams.ToString(CultureInfo.InvariantCulture)} is not a parameter count", Recompute);
        }

        return new FingerprintDocument
        {
            ModelName = string.IsNullOrEmpty(modelName) ? fallbackName : modelName,
            ParameterCount = (long)totalParams,
            Format = FingerprintFormat.Reference,
            Gradient = new GradientFingerprint(null, features, []),
        };
    }

    private static GradientFeatures Features(List<KeyValuePair<string, double>> values, string source)
    {
        try
        {
            return GradientFeatures.From(values);
        }
        catch (ArgumentException error)
        {
            throw Invalid(source, error.Message.Split(" (Parameter")[0], Recompute);
        }
    }

    private static JsonElement RequiredProperty(JsonElement parent, string name, JsonValueKind kind, string source) =>
        parent.TryGetProperty(name, out JsonElement value)
            ? Expect(value, kind, name, source)
            : throw Invalid(source, $"lacks \"{name}\"", Recompute);

    private static JsonElement Expect(JsonElement value, JsonValueKind kind, string what, string source) =>
        value.ValueKind == kind
            ? value
            : throw Invalid(source, $"\"{what}\" is {Describe(value.ValueKind)}, expected {Describe(kind)}", Recompute);

    private static string RequiredString(JsonElement parent, string name, string source) =>
        RequiredProperty(parent, name, JsonValueKind.String, source).GetString()!;

    private static long RequiredInteger(JsonElement parent, string name, string source) =>
        Integer(RequiredProperty(parent, name, JsonValueKind.Number, source), name, source);

    private static long Integer(JsonElement value, string what, string source) =>
        Expect(value, JsonValueKind.Number, what, source).TryGetInt64(out long result)
            ? result
            : throw Invalid(source, $"\"{what}\" is {UntrustedText.Printable(value.GetRawText())}, not an integer", Recompute);

    private static long NonNegative(long value, string what, string source) =>
        value >= 0 ? value : throw Invalid(source, $"\"{what}\" is negative ({value})", Recompute);

    private static double Finite(JsonElement value, string what, string source) =>
        Expect(value, JsonValueKind.Number, what, source).TryGetDouble(out double result) && double.IsFinite(result)
            ? result
            : throw Invalid(source, $"{what} is {UntrustedText.Printable(value.GetRawText())}, not a finite number", Recompute);

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "missing",
    };

    private static InvalidInputException Invalid(string source, string problem, string fix) => new($"{source}: {problem}; {fix}");

    [GeneratedRegex("""(?<key>"[^"\r\n]{0,200}")\s*:\s*(?<value>-?(?:NaN|Infinity))""")]
    private static partial Regex NonFiniteLiteral();

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256Hex();

    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex Hash128Hex();
}
