namespace TensorGuard.Core.Formats;

/// <summary>A file that holds part of a model: its path and size in bytes.</summary>
public sealed record ModelFile(string Path, long Length);
