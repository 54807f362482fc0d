using TensorGuard.Core.Formats.Architecture;

namespace TensorGuard.Core.Formats;

/// <summary>
/// What <c>tensorguard inspect</c> reports about an artifact: everything readable without the weights, and,
/// when asked, the non-finite values found by reading them.
/// </summary>
public sealed record ModelInspection(
    string Path,
    string Format,
    long ParameterCount,
    IReadOnlyList<ModelFile> Files,
    string? ConfigFile,
    IReadOnlyDictionary<string, string> Metadata,
    ArchitectureInfo Architecture,
    IReadOnlyList<ModelInspection.TensorSummary> Tensors,
    NonFiniteReport? NonFinite)
{
    /// <summary>Name, dtype and shape of one tensor, and the file (name only) that stores it.</summary>
    public sealed record TensorSummary(string Name, string Dtype, IReadOnlyList<long> Shape, string File);

    /// <param name="model">The opened artifact.</param>
    /// <param name="scan">Also read every weight and count non-finite values (reads the whole model).</param>
    /// <exception cref="ModelFormatException">config.json is malformed, or a scanned tensor is unreadable.</exception>
    public static ModelInspection Of(LoadedModel model, bool scan)
    {
        HuggingFaceConfig? config = HuggingFaceConfig.TryRead(model.Directory);
        return new(
            model.Path,
            model.Format,
            model.ParameterCount,
            model.Files,
            config?.Path,
            model.Metadata,
            ArchitectureRecognizer.Recognize(model.Tensors, config),
            model.Tensors.Select(t => new TensorSummary(t.Name, t.DType.Name(), t.Shape, System.IO.Path.GetFileName(t.SourceFile))).ToArray(),
            scan ? NonFiniteScanner.Scan(model) : null);
    }
}
