namespace TensorGuard.Core.Fingerprints;

/// <summary>The JSON layouts a fingerprint document is read from and written to.</summary>
public enum FingerprintFormat
{
    /// <summary>TensorGuard's own document: schema id and version, sources with hashes, one section per method.</summary>
    TensorGuard,

    /// <summary>The reference implementation's flat 17-key object (<c>global_*</c>, …, <c>model_name</c>).</summary>
    Reference,
}
