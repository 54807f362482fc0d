namespace TensorGuard.Core.Policy;

/// <summary>
/// The commented policy <c>tensorguard policy init</c> writes: it extends the bundled policy (families, bases and
/// license terms), states what the organisation allows, and shows the other sections as comments to fill in.
/// </summary>
public static class PolicyStarter
{
    /// <summary>Where <c>policy init</c> writes, relative to the repository root.</summary>
    public const string DefaultPath = ".github/tensorguard.yml";

    /// <param name="commercial">The models ship in a commercial product.</param>
    /// <param name="allowedLicenses">License ids the organisation accepts; empty accepts every license the policy knows.</param>
    public static string Text(bool commercial, IReadOnlyList<string> allowedLicenses)
    {
        string allowed = allowedLicenses.Count == 0
            ? "  # allowed-licenses: [apache-2.0, mit]   # uncomment to accept only these licenses"
            : $"  allowed-licenses: [{string.Join(", ", allowedLicenses.Select(l => l.ToLowerInvariant()))}]";
        return $"""
            # TensorGuard policy: which models this repository may ship, and under which licenses.
            # Validate it with: tensorguard policy validate
            # Reference: the "Policy" section of TensorGuard's README.
            version: 1

            # Start from TensorGuard's bundled policy: the Llama, Qwen, Gemma, Phi and Mistral families, their
            # base-model fingerprints and license terms. Families, bases and licenses written below override
            # those with the same id; organisation, rules, fail-on, exceptions and models are this file's own.
            extends: default

            # What the organisation allows. commercial: true makes non-commercial licenses, and licenses the policy
            # does not know (or none declared), errors.
            organisation:
              commercial: {(commercial ? "true" : "false")}
            {allowed}
              # denied-licenses: [cc-by-nc-4.0]
              # denied-families: [mistral]

            # The lowest severity that fails a check (exit code 2): error, warning or never.
            fail-on: error

            # Severity per rule: error, warning, note or off (see the README's rule table).
            # rules:
            #   undeclared-base: error

            # The artifacts `tensorguard check` checks when given no paths: globs relative to the repository root.
            # Quote globs that start with '*'.
            # models:
            #   - path: "models/**/*.safetensors"

            # Accepted findings, each with a reason and an expiry date. model is a glob over the artifact's path
            # (relative to the repository root) or its model name.
            # exceptions:
            #   - model: "out/legacy-*"
            #     rule: naming
            #     reason: "TICKET-123: renamed in the next release"
            #     expires: 2027-06-30

            # Your own base models: fingerprint one and add it here with
            #   tensorguard policy add-base PATH/TO/MODEL --family ID --name NAME --license ID [--alias ORG/NAME]

            """;
    }
}
