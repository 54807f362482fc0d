using System.Text.Json.Serialization;

namespace TensorGuard.Core.Classification;

/// <summary>How fingerprints are compared and a family chosen.</summary>
public enum ClassifierMethod
{
    /// <summary>
    /// TensorGuard's classifier: spread and shape statistics only (log-scaled where they are
    /// magnitudes), scaled on the policy's bases, distances weighted by within-family variance, family
    /// of the nearest base, novelty threshold calibrated on the policy.
    /// </summary>
    [JsonStringEnumMemberName("tensorguard")]
    TensorGuard,

    /// <summary>
    /// The paper's reference procedure: every numeric feature but <c>total_params</c>, standardised on
    /// all fingerprints classified together, K-Means seeded at the bases, family of the cluster's base,
    /// "unknown" beyond Euclidean distance 7.
    /// </summary>
    Paper,
}
