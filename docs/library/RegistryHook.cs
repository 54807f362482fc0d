using TensorGuard.Core.Compliance;
using TensorGuard.Core.Gate;
using TensorGuard.Core.Policy;
using TensorGuard.Core.Reporting;

public static class RegistryHook
{
    /// <summary>Checks a model folder against a policy; true when it may be published.</summary>
    public static bool MayPublish(string modelFolder, string policyFile, TextWriter log)
    {
        PolicyDocument policy = PolicyLoader.Load(policyFile);
        CheckResult result = CheckPipeline.Run(new CheckRequest(policy, [modelFolder],
            Directory.GetCurrentDirectory(), IdentityOverrides.None(DeclarationSource.Override)));
        foreach (Finding finding in result.Artifacts.SelectMany(artifact => artifact.Findings))
        {
            log.WriteLine($"{finding.Severity} {finding.RuleId}: {finding.Message}");
        }

        log.Write(MarkdownReport.Render(result)); // the pull-request comment, for a review page
        return result.Verdict == Verdict.Pass;
    }
}
