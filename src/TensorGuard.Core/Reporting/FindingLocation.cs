using TensorGuard.Core.Compliance;

namespace TensorGuard.Core.Reporting;

/// <summary>
/// The file a finding is shown at: the file it is about, else the artifact's model card, else its config, else its
/// first weights file (a folder only when it holds no file at all). Code scanning and pull-request annotations can only point at files, and the model card is where
/// a fix (name, license, base model, notices) is written.
/// </summary>
public static class FindingLocation
{
    /// <returns>The path relative to the result's root, with <c>/</c> separators, when it lies inside it.</returns>
    public static string Of(CheckResult result, ArtifactResult artifact, Finding finding) =>
        result.Display(finding.File ?? artifact.Declared?.ModelCardPath ?? artifact.Declared?.ConfigPath ?? artifact.Files.FirstOrDefault()?.Path ?? artifact.Path);

    /// <summary>The line of <see cref="Of"/> to point at: the finding's line in its own file; null when it has none.</summary>
    public static int? LineOf(Finding finding) => finding.File is null ? null : finding.Line;
}
