namespace TensorGuard.Core.Formats;

/// <summary>
/// A file that holds part of a model: its path (or Hub reference) and size in bytes, and its SHA-256 when the Hub
/// lists it (then it is recorded without reading the file).
/// </summary>
public sealed record ModelFile(string Path, long Length,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? Sha256 = null);
