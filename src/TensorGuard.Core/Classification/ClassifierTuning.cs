namespace TensorGuard.Core.Classification;

/// <summary>
/// The two constants of TensorGuard's classifier (docs/classification.md: how they were chosen, and the nested
/// leave-one-out figure that chose them without the model being scored).
/// </summary>
/// <param name="Shrinkage">
/// Prior strength ν of the within-family variance, in pseudo-degrees of freedom of a prior variance equal to the
/// total variance (1 after standardisation). A feature's variance is the posterior (ν·1 + Σ squares) / (ν + degrees),
/// so it follows the measured within-family spread where the labelled models give many degrees of freedom and falls
/// back toward the total variance where they give few (a policy with bases only) or none.
/// </param>
/// <param name="ContributionCap">
/// The most one feature adds to a distance, in within-family standard deviations: its weighted squared difference
/// counts at most <c>cap²</c>. Features on which a family's references agree closely weigh heavily, so without a cap
/// one of them moved by something unrelated to the family (a converter that splits fused attention tensors, a
/// checkpoint shard without the embedding) would outweigh every other feature. Infinity turns the cap off.
/// </param>
public sealed record ClassifierTuning(double Shrinkage, double ContributionCap)
{
    /// <summary>What the nested leave-one-out rule picks on the 33 published fingerprints: ν = 0.3, cap 3.</summary>
    public static readonly ClassifierTuning Default = new(0.3, 3);

    /// <summary>"ν = 0.3, cap 3", or "ν = 0.3, no cap".</summary>
    public string Describe() => string.Create(
        System.Globalization.CultureInfo.InvariantCulture,
        $"ν = {Shrinkage}, {(double.IsPositiveInfinity(ContributionCap) ? "no cap" : $"cap {ContributionCap}")}");
}
