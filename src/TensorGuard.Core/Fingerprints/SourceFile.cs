namespace TensorGuard.Core.Fingerprints;

/// <summary>A file a fingerprint was computed from: its path relative to the model folder, SHA-256 (lower-case hex) and size.</summary>
public sealed record SourceFile(string Path, string Sha256, long Size);
