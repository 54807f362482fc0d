using TensorGuard.Core.Policy;

namespace TensorGuard.Core.Compliance;

/// <summary>
/// A declared base model the gate read from the Hugging Face Hub to verify the declaration: the repository at the
/// commit its revision resolved to and the license the base's own model card declares there, or why it could not be
/// read. Its lineage test, when one ran, is among the evidence's tests under <see cref="Name"/>.
/// </summary>
/// <param name="Id">The <c>base_model</c> id as the artifact's card declares it.</param>
/// <param name="Name">The name its lineage test is recorded under: the policy base's name, or <paramref name="Id"/> for a base the policy does not list.</param>
/// <param name="Reference">The repository at its commit (<c>hf://ORG/NAME@COMMIT</c>); null when it could not be read.</param>
/// <param name="License">
/// The license the base's own card declares (a Hub id, or <c>license_name</c> for <c>other</c>); null when the card
/// declares none or there is no card (<paramref name="Reference"/> set) or it was not read.
/// </param>
/// <param name="Problem">Why the base's lineage could not be tested ("could not be read from the Hub (…)": offline, gated, not found, no readable weights); null when it was.</param>
public sealed record HubBaseReading(string Id, string Name, string? Reference, string? License, string? Problem)
{
    /// <summary>The card's license when it identifies one (<c>other</c> without a <c>license_name</c> does not).</summary>
    public string? IdentifiedLicense => License is null || string.Equals(License, "other", StringComparison.OrdinalIgnoreCase) ? null : License;

    /// <summary>What the base's card says about its license, for messages: "declares llama3.1", "declares no license".</summary>
    public string CardLicenseText => LicenseText(License);

    /// <summary>What a card declaring <paramref name="license"/> (null: none) says about it: "declares license llama3.1", "declares no license".</summary>
    public static string LicenseText(string? license) => license is null ? "declares no license" : $"declares license {Formats.UntrustedText.Printable(license)}";

    /// <summary>
    /// The base as the compliance rules treat a proven base: named by its Hub id (also its alias, so reports give its
    /// package URL), in the family whose <c>covers</c> match it, if any (else none), under the license the policy's
    /// <c>covers</c> give it, else the one its own card declares (a disagreement is a <c>base-license-mismatch</c>).
    /// </summary>
    public PolicyBase AsBase(PolicyDocument policy)
    {
        DeclaredBase claimed = DeclaredBase.Resolve(Id, policy);
        return new PolicyBase(Id, claimed.Family ?? string.Empty, null, claimed.License ?? IdentifiedLicense, new HubSketch(Reference ?? Id), default)
        {
            Aliases = [Id],
        };
    }
}
