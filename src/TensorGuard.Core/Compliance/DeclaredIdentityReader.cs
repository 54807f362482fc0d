using System.Globalization;
using System.Text;
using System.Text.Json;
using TensorGuard.Core.Formats;
using TensorGuard.Core.Policy;

namespace TensorGuard.Core.Compliance;

/// <summary>
/// Reads what an artifact declares about itself from the files next to its weights: the model card's front matter
/// and body, <c>config.json</c>, and NOTICE/LICENSE files. Missing or malformed files become
/// <see cref="DeclarationProblem"/>s; every read is size-limited because these files are untrusted.
/// </summary>
public static class DeclaredIdentityReader
{
    /// <summary>Largest model card, config or notice file read; real ones are a few kilobytes.</summary>
    public const long MaxFileBytes = 1 << 20;

    private const string ModelCardName = "README.md";
    private const string ConfigName = "config.json";
    private static readonly string[] NoticeNames = ["NOTICE", "NOTICE.md", "NOTICE.txt"];
    private static readonly string[] LicenseNames = ["LICENSE", "LICENSE.md", "LICENSE.txt", "LICENCE", "LICENCE.md", "LICENCE.txt"];

    /// <param name="artifactPath">The artifact as checked: a weights file, an index or a model directory.</param>
    /// <param name="overrides">Override layers, later ones winning (policy entry, then command line).</param>
    public static DeclaredIdentity Read(string artifactPath, params IReadOnlyList<IdentityOverrides> overrides) =>
        Read(artifactPath, Directory.Exists(artifactPath) ? artifactPath : Path.GetDirectoryName(Path.GetFullPath(artifactPath)) ?? ".", overrides);

    /// <summary>As <see cref="Read(string, IReadOnlyList{IdentityOverrides})"/>, with the card and config read from <paramref name="directory"/> (for a Hub model, the folder its card was kept in).</summary>
    public static DeclaredIdentity Read(string artifactPath, string directory, params IReadOnlyList<IdentityOverrides> overrides)
    {
        var files = Directory.Exists(directory)
            ? Directory.EnumerateFiles(directory).ToDictionary(file => Path.GetFileName(file), StringComparer.OrdinalIgnoreCase)
            : new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var problems = new List<DeclarationProblem>();
        var documents = new List<NoticeDocument>();

        DeclaredIdentity identity = ReadModelCard(artifactPath, files, problems, documents);
        identity = ReadConfig(identity, files, problems);
        AddDocuments(NoticeNames, NoticePlace.NoticeFile, files, problems, documents);
        AddDocuments(LicenseNames, NoticePlace.LicenseFile, files, problems, documents);
        identity = identity with { Documents = new NoticeDocuments(documents), Problems = problems };
        return overrides.Aggregate(identity, Apply);
    }

    private static DeclaredIdentity ReadModelCard(string artifactPath, Dictionary<string, string> files,
        List<DeclarationProblem> problems, List<NoticeDocument> documents)
    {
        var fallbackName = new DeclaredValue<string>(NameFromPath(artifactPath), DeclarationSource.FileName);
        if (!files.TryGetValue(ModelCardName, out string? cardPath))
        {
            // The finding points at the weights (a file code scanning can place), never at a card that does not exist.
            string weights = Directory.Exists(artifactPath)
                ? files.Values.Where(file => ArtifactSelector.IsWeights(Path.GetFileName(file))).Order(StringComparer.Ordinal).FirstOrDefault() ?? artifactPath
                : artifactPath;
            problems.Add(new DeclarationProblem(weights,
                "no model card next to the weights; add a README.md whose YAML front matter declares license, base_model and model_name"));
            return new DeclaredIdentity { Name = fallbackName };
        }

        string? card = ReadBounded(cardPath, problems);
        if (card is null)
        {
            return new DeclaredIdentity { Name = fallbackName, ModelCardPath = cardPath };
        }

        FrontMatter front = FrontMatter.Parse(card, out string? problem, out int? problemLine);
        if (problem is not null)
        {
            problems.Add(new DeclarationProblem(cardPath, problem, problemLine));
        }

        documents.Add(new NoticeDocument(NoticePlace.ModelCard, cardPath, front.Body));
        foreach (string key in new[] { "license", "license_name", "license_link", "model_name", "base_model", "base_model_relation", "tags" }
                     .Where(front.IsMalformed))
        {
            problems.Add(new DeclarationProblem(cardPath, $"front matter key {key} must be a string or a list of strings", front.Lines[key]));
        }

        string? name = NonEmpty(front.String("model_name"));
        return new DeclaredIdentity
        {
            Name = name is null ? fallbackName : new DeclaredValue<string>(name, DeclarationSource.ModelCard),
            License = ReadLicense(front, cardPath, problem is null ? problems : []),
            LicenseLink = NonEmpty(front.String("license_link")),
            BaseModels = front.List("base_model") is { Count: > 0 } bases
                ? new DeclaredValue<IReadOnlyList<string>>(bases.Select(b => b.Trim()).Where(b => b.Length > 0).ToArray(), DeclarationSource.ModelCard)
                : null,
            BaseModelRelation = NonEmpty(front.String("base_model_relation")),
            Tags = front.List("tags") ?? [],
            ModelCardPath = cardPath,
            ModelCardLines = front.Lines,
        };
    }

    private static DeclaredValue<string>? ReadLicense(FrontMatter front, string cardPath, List<DeclarationProblem> problems)
    {
        if (front.List("license") is { Count: > 1 })
        {
            problems.Add(new DeclarationProblem(cardPath, "front matter lists several licenses; declare the one license the model is distributed under", front.Lines["license"]));
            return null;
        }

        string? license = NonEmpty(front.List("license")?.FirstOrDefault());
        if (license is null)
        {
            problems.Add(new DeclarationProblem(cardPath, "model card declares no license; add license: with a Hub license id (e.g. apache-2.0, llama3.1, other)"));
            return null;
        }

        if (string.Equals(license, "other", StringComparison.OrdinalIgnoreCase))
        {
            string? name = NonEmpty(front.String("license_name"));
            if (name is null)
            {
                problems.Add(new DeclarationProblem(cardPath, "license: other needs license_name (e.g. qwen-research) and license_link", front.Lines["license"]));
                return new DeclaredValue<string>("other", DeclarationSource.ModelCard);
            }

            license = name;
        }

        return new DeclaredValue<string>(NormaliseLicense(license), DeclarationSource.ModelCard);
    }

    private static DeclaredIdentity ReadConfig(DeclaredIdentity identity, Dictionary<string, string> files, List<DeclarationProblem> problems)
    {
        if (!files.TryGetValue(ConfigName, out string? configPath) || ReadBounded(configPath, problems) is not { } json)
        {
            return identity;
        }

        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 64 });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                problems.Add(new DeclarationProblem(configPath, "config.json is not a JSON object"));
                return identity with { ConfigPath = configPath };
            }

            JsonElement root = document.RootElement;
            return identity with
            {
                ConfigPath = configPath,
                ConfigNameOrPath = StringProperty(root, "_name_or_path"),
                ModelType = StringProperty(root, "model_type"),
                Architectures = root.TryGetProperty("architectures", out JsonElement list) && list.ValueKind == JsonValueKind.Array
                    ? list.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToArray()
                    : [],
            };
        }
        catch (JsonException error)
        {
            problems.Add(new DeclarationProblem(configPath, string.Create(CultureInfo.InvariantCulture,
                $"config.json is not valid JSON (line {error.LineNumber + 1}, byte {error.BytePositionInLine + 1}); fix or remove it")));
            return identity with { ConfigPath = configPath };
        }
    }

    private static void AddDocuments(string[] names, NoticePlace place, Dictionary<string, string> files,
        List<DeclarationProblem> problems, List<NoticeDocument> documents)
    {
        foreach (string name in names)
        {
            if (files.TryGetValue(name, out string? path) && ReadBounded(path, problems) is { } text)
            {
                documents.Add(new NoticeDocument(place, path, text));
            }
        }
    }

    private static DeclaredIdentity Apply(DeclaredIdentity identity, IdentityOverrides layer) => identity with
    {
        Name = layer.Name is { } name ? new DeclaredValue<string>(name, layer.Source) : identity.Name,
        License = layer.License is { } license ? new DeclaredValue<string>(NormaliseLicense(license), layer.Source) : identity.License,
        BaseModels = layer.BaseModels is { } bases ? new DeclaredValue<IReadOnlyList<string>>(bases, layer.Source) : identity.BaseModels,
    };

    /// <summary>Hub license ids are lower case; users type them in any case.</summary>
    public static string NormaliseLicense(string license) => license.Trim().ToLowerInvariant();

    /// <summary>The name a model goes by when nothing declares one: its folder's name, or its file's name without extension.</summary>
    public static string NameFromPath(string artifactPath)
    {
        if (Formats.Hub.HubReference.IsHubReference(artifactPath))
        {
            var reference = Formats.Hub.HubReference.Parse(artifactPath);
            return reference.Path.Length == 0 ? reference.Name : NameFromPath(reference.Path);
        }

        string full = Path.GetFullPath(artifactPath).TrimEnd(Path.DirectorySeparatorChar);
        bool namedByFolder = Directory.Exists(full) || full.EndsWith(".index.json", StringComparison.OrdinalIgnoreCase);
        return namedByFolder
            ? Path.GetFileName(Directory.Exists(full) ? full : Path.GetDirectoryName(full)) ?? full
            : Path.GetFileNameWithoutExtension(full);
    }

    private static string? ReadBounded(string path, List<DeclarationProblem> problems)
    {
        if (Formats.RegularFile.SpecialKind(path) is { } kind)
        {
            problems.Add(new DeclarationProblem(path, $"is {kind}, not a regular file, and was not read; replace it with the file itself"));
            return null;
        }

        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            if (stream.Length > MaxFileBytes)
            {
                problems.Add(new DeclarationProblem(path, string.Create(CultureInfo.InvariantCulture,
                    $"file is larger than {MaxFileBytes / 1024} KiB and was not read; shorten it")));
                return null;
            }

            var buffer = new byte[stream.Length];
            stream.ReadExactly(buffer);
            return Encoding.UTF8.GetString(buffer);
        }
        catch (IOException error)
        {
            problems.Add(new DeclarationProblem(path, $"cannot be read: {error.Message}"));
            return null;
        }
        catch (UnauthorizedAccessException error)
        {
            problems.Add(new DeclarationProblem(path, $"cannot be read: {error.Message}"));
            return null;
        }
    }

    private static string? StringProperty(JsonElement root, string name) =>
        root.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
