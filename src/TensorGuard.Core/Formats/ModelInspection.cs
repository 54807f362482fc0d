using TensorGuard.Core.Formats.Architecture;
using TensorGuard.Core.Formats.Peft;

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
    /// <summary>For a PEFT adapter: what it declares and what could be verified (null, and left out of JSON, for other artifacts).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public AdapterReport? Adapter { get; init; }

    /// <summary>Name, dtype and shape of one tensor, and the file (name only) that stores it.</summary>
    public sealed record TensorSummary(string Name, string Dtype, IReadOnlyList<long> Shape, string File);

    /// <param name="model">The opened artifact.</param>
    /// <param name="scan">Also read every weight and count non-finite values (reads the whole model).</param>
    /// <exception cref="ModelFormatException">config.json is malformed, or a scanned tensor is unreadable.</exception>
    public static ModelInspection Of(LoadedModel model, bool scan) => Of(model, scan, model.Directory, architecture: null);

    /// <summary>
    /// Inspects the artifact at <paramref name="path"/>. A PEFT adapter is merged into <paramref name="baseModel"/> when
    /// one is given (whose <c>config.json</c> then describes the architecture); without it, the adapter's own tensors are
    /// listed and its architecture is the one its shapes imply.
    /// </summary>
    /// <exception cref="ModelFormatException">The artifact (or the base) is unreadable or malformed, or the adapter does not fit the base.</exception>
    public static ModelInspection Of(string path, string? baseModel, bool scan) => Of(path, baseModel, scan, hub: null);

    /// <summary>As <see cref="Of(string, string?, bool)"/>; Hub references (<c>hf://…</c>) are read through <paramref name="hub"/>.</summary>
    /// <exception cref="ModelFormatException">As above, or a <see cref="Hub.HubException"/> when the Hub cannot give the model.</exception>
    public static ModelInspection Of(string path, string? baseModel, bool scan, Hub.HubClient? hub)
    {
        PeftAdapter? alone = null;
        using LoadedModel model = ModelLoader.Open(path, baseModel, hub, adapter =>
        {
            alone = adapter;
            return new LoadedModel(path, PeftAdapter.FormatName, ModelLoader.CardFolder(adapter), adapter.Files, new Dictionary<string, string>(), adapter.Weights);
        });
        if (alone is not null)
        {
            return Of(model, scan, model.Directory, AdapterReport.ImpliedArchitecture(alone)) with { Adapter = AdapterReport.Of(alone, merged: null, basePath: null) };
        }

        if (model.MergedAdapter is { } source)
        {
            string baseDirectory = System.IO.Directory.Exists(baseModel) ? baseModel : System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(baseModel!))!;
            return Of(model, scan, baseDirectory, architecture: null) with { Adapter = AdapterReport.Of(source.Adapter, source, baseModel) };
        }

        return Of(model, scan);
    }

    private static ModelInspection Of(LoadedModel model, bool scan, string? configDirectory, ArchitectureInfo? architecture)
    {
        HuggingFaceConfig? config = HuggingFaceConfig.TryRead(configDirectory);
        return new(
            model.Path,
            model.Format,
            model.ParameterCount,
            model.Files,
            config?.Path,
            model.Metadata,
            architecture ?? ArchitectureRecognizer.Recognize(model.Tensors, config),
            model.Tensors.Select(t => new TensorSummary(t.Name, t.DType.Name(), t.Shape, System.IO.Path.GetFileName(t.SourceFile))).ToArray(),
            scan ? NonFiniteScanner.Scan(model) : null);
    }
}
