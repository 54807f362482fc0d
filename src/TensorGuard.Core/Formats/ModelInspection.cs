namespace TensorGuard.Core.Formats;

/// <summary>What <c>tensorguard inspect</c> reports about an artifact: everything readable without the weights.</summary>
public sealed record ModelInspection(
    string Path,
    string Format,
    long ParameterCount,
    IReadOnlyList<ModelFile> Files,
    IReadOnlyDictionary<string, string> Metadata,
    IReadOnlyList<ModelInspection.TensorSummary> Tensors,
    NonFiniteReport? NonFinite)
{
    /// <summary>Name, dtype and shape of one tensor.</summary>
    public sealed record TensorSummary(string Name, string DType, IReadOnlyList<long> Shape, string File);

    /// <param name="scan">Also read every weight and count non-finite values (reads the whole model).</param>
    public static ModelInspection Of(LoadedModel model, bool scan) => new(
        model.Path,
        model.Format,
        model.ParameterCount,
        model.Files,
        model.Metadata,
        model.Tensors.Select(t => new TensorSummary(t.Name, t.DType.Name(), t.Shape, System.IO.Path.GetFileName(t.SourceFile))).ToArray(),
        scan ? NonFiniteScanner.Scan(model) : null);
}
