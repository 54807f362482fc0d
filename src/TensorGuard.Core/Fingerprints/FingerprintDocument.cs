using TensorGuard.Core.Fingerprints.Lineage;

namespace TensorGuard.Core.Fingerprints;

/// <summary>
/// A model's fingerprints and what they were computed from. Each method has its own optional section; a
/// document read from a reference file has only <see cref="Gradient"/>, no source files and no tensors.
/// </summary>
public sealed record FingerprintDocument
{
    /// <summary>Schema id written as <c>schema</c>.</summary>
    public const string SchemaId = "tensorguard-fingerprint";

    /// <summary>Schema version written as <c>schemaVersion</c>; readers reject any other.</summary>
    public const int SchemaVersion = 1;

    /// <summary>Model name: from <c>--name</c>, the model card's <c>model_name</c>, or the file/folder name.</summary>
    public required string ModelName { get; init; }

    /// <summary>Total number of parameters over every tensor of the model.</summary>
    public required long ParameterCount { get; init; }

    /// <summary>The weight files, in the order the model was read.</summary>
    public IReadOnlyList<SourceFile> Files { get; init; } = [];

    /// <summary>The layout the document was read from (always <see cref="FingerprintFormat.TensorGuard"/> when computed).</summary>
    public FingerprintFormat Format { get; init; } = FingerprintFormat.TensorGuard;

    /// <summary>The paper's gradient fingerprint, if computed.</summary>
    public GradientFingerprint? Gradient { get; init; }

    /// <summary>The lineage sketch (<c>tensorguard-lineage</c>), if computed.</summary>
    public LineageSketch? Lineage { get; init; }

    /// <summary>Content hashes of the tensors (<c>tensorguard-identity</c>), if computed: base documents carry them for byte identity.</summary>
    public Identity.IdentityFingerprint? Identity { get; init; }

    /// <summary>Things the user should know about how the fingerprints were made (e.g. tensors skipped).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>The gradient section, or a clear error naming <paramref name="source"/> when the document has none.</summary>
    /// <exception cref="InvalidInputException">The document holds no <c>tensorguard-gradient</c> fingerprint.</exception>
    public GradientFingerprint RequireGradient(string source) =>
        Gradient ?? throw new InvalidInputException(
            $"{source}: holds no {GradientFingerprint.MethodId} fingerprint; recompute it with `tensorguard fingerprint MODEL`");
}
