using TensorGuard.Core.Policy;

namespace TensorGuard.Core.Reporting;

/// <summary>What a rule checks and how to resolve its findings, for SARIF rule metadata and the reports.</summary>
/// <param name="Title">A short title, in sentence case.</param>
/// <param name="Description">What the rule checks, in one or two sentences.</param>
/// <param name="Help">How to resolve a finding of the rule, in Markdown.</param>
public sealed record RuleDescription(string Id, string Title, string Description, string Help);

/// <summary>The description of every rule the compliance engine applies.</summary>
public static class RuleCatalog
{
    private const string ExceptionHelp =
        "If the finding is accepted, add an exception to the policy with `rule`, `model`, a `reason` and an `expires` date; "
        + "TensorGuard warns when an exception has expired or no longer matches anything.";

    public static IReadOnlyList<RuleDescription> All { get; } =
    [
        new(RuleIds.LicenseConflict, "License conflicts with the detected base",
            "The license the artifact declares is not the license of the base model its weights derive from, or cannot be granted under it (for example a Llama derivative relicensed as Apache-2.0).",
            "Declare the base model's license in the model card (`license:`, or `license: other` with `license_name` and `license_link`). "
            + "If the lineage is wrong, check the declared `base_model` and the evidence in the report. " + ExceptionHelp),
        new(RuleIds.Naming, "Name does not carry the required prefix",
            "The base model's license requires derivative model names to begin with a prefix (for example \"Llama\" for Llama 3.1 and later), and the declared name does not.",
            "Rename the model so that its name begins with the required prefix and set `model_name` in the model card front matter (or the `model-name` input). " + ExceptionHelp),
        new(RuleIds.NoticeMissing, "Required attribution or notice is missing",
            "A governing license requires an attribution (such as \"Built with Llama\") or a notice text in the model card, a NOTICE file or a LICENSE file, and it is not there.",
            "Add the quoted text to the place the finding names (model card body, `NOTICE` or `LICENSE` next to the weights). " + ExceptionHelp),
        new(RuleIds.BaseMismatch, "Declared base model differs from the detected one",
            "The model card declares a base model, but the weights derive from another base model.",
            "Correct `base_model` in the model card (a list for merges). If the weights really come from the declared base, compare the lineage evidence in the report and report a false positive. " + ExceptionHelp),
        new(RuleIds.BaseLicenseMismatch, "Base model's own license differs from the policy's",
            "A declared base model was read from the Hugging Face Hub, and the license its own model card declares (at the commit the check recorded) is not the license the policy gives it. "
            + "The policy's license facts are applied; the finding says which license the base's publisher declares, so the policy can be corrected if it is out of date.",
            "Compare the two: correct the base's `license` (or the `covers` of the license that places it) in the policy if the Hub card is right; "
            + "if the policy is right (for example under a separate agreement), record an exception with the reason. " + ExceptionHelp),
        new(RuleIds.UndeclaredBase, "Base model not declared",
            "The weights derive from a known base model, but the model card declares no base model, or one the policy does not know.",
            "Add `base_model:` with the Hub id of the base model to the model card front matter (or the `base-model` input). " + ExceptionHelp),
        new(RuleIds.UnknownLineage, "Lineage unknown",
            "No base model of the policy explains the weights, so their license obligations cannot be checked.",
            "If the model derives from a base the policy lacks, add that base's fingerprint to the policy. If it is original work, record an exception with the reason. " + ExceptionHelp),
        new(RuleIds.LineageUnverified, "Lineage not verified",
            "The classifier finds the weights resemble a base (same architecture and family statistics), but nothing proves they derive from it: independent models share a family's shapes. "
            + "The finding names the license and notices that would apply if they did.",
            "Get proof either way: add the base's lineage sketch to the policy (`tensorguard policy add-base` with the base's weights), "
            + "or name the base in `base_model` so it can be fetched from the Hub and tested. To act on resemblance alone, set `evidence: resembles` in the policy (false errors on independent models). " + ExceptionHelp),
        new(RuleIds.FamilyDenied, "Model family not allowed",
            "The weights derive from a model family the organisation's policy does not allow.",
            "Use a base model from an allowed family, or change the policy's allowed families if the organisation agrees. " + ExceptionHelp),
        new(RuleIds.LicenseDenied, "License not allowed",
            "The artifact is governed by, or declares, a license the organisation's policy does not allow.",
            "Use a base model under an allowed license, or change the policy's allowed licenses if the organisation agrees. " + ExceptionHelp),
        new(RuleIds.LicenseUnknown, "License unknown or missing",
            "The artifact declares no license, or one the policy's licenses do not describe, so nothing about its terms was checked. An error by default when the organisation is commercial, a warning otherwise.",
            "Declare a license the policy knows in the model card (`license:`), or add the declared license to the policy's `licenses:` with its terms (`extends: default` brings the bundled ones). " + ExceptionHelp),
        new(RuleIds.NonCommercial, "Non-commercial license in commercial use",
            "A governing license forbids commercial use (for example the Qwen Research License or the Mistral Non-Production License), and the policy declares commercial use.",
            "Use a base model whose license permits commercial use, obtain a commercial license from the licensor, or change the policy's use if the model is not used commercially. " + ExceptionHelp),
        new(RuleIds.ModelCard, "Model card missing or malformed",
            "The model card (README.md next to the weights) is missing, its YAML front matter is malformed, or it declares no license.",
            "Add a README.md whose YAML front matter, between `---` lines, declares `license`, `base_model` and `model_name`."),
        new(RuleIds.UnreadableArtifact, "Artifact could not be analysed",
            "The artifact could not be read or fingerprinted, so nothing is known about its lineage; it is never reported as compliant. This rule cannot be turned off or excepted.",
            "Fix or regenerate the file the message names, or remove it from the `models` patterns if it is not a model."),
        new(RuleIds.UnsafePickle, "PyTorch checkpoint could run code",
            "A pickle inside a PyTorch checkpoint (`.bin`, `.pt`, `.pth`) names a global outside the functions that rebuild tensors (for example `os.system` or `builtins.eval`), so `torch.load` could run code from it. TensorGuard refuses to read it; the artifact is not analysed and never compliant. This rule cannot be turned off or excepted.",
            "Do not load the file. Convert the original checkpoint to safetensors in a sandbox (or ask its publisher for safetensors) and commit that instead; "
            + "if the pickle was not expected, treat the change as hostile. The finding names the global, the opcode and its byte offset in the pickle."),
    ];

    /// <summary>The description of <paramref name="ruleId"/>; a rule without one gets a generic description rather than none.</summary>
    public static RuleDescription Describe(string ruleId) =>
        All.FirstOrDefault(rule => rule.Id == ruleId)
        ?? new RuleDescription(ruleId, ruleId, $"TensorGuard rule {ruleId}.", "See the finding's message and fix.");
}
