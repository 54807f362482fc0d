using TensorGuard.Core;
using TensorGuard.Core.Compliance;
using TensorGuard.Core.Formats;
using TensorGuard.Core.Formats.PyTorch;
using TensorGuard.Core.Policy;

namespace TensorGuard.Core.Gate;

/// <summary>
/// One run of the gate, wiring the stages: select artifacts → read what each declares → open its weights and find
/// its lineage → evaluate the policy. An artifact that cannot be opened or analysed becomes an unreadable-artifact
/// result, a pickle that could run code an unsafe-pickle result (both never compliant); the run goes on with the others so the report covers everything.
/// A PEFT adapter is merged into <paramref name="baseWeights"/> (or its policy entry's <c>base-weights</c>); without a base it is not analysed.
/// </summary>
public sealed class CheckRun(PolicyDocument policy, LineageAnalyzer analyzer, DateOnly today, string? baseWeights = null)
{
    public CheckResult Check(IReadOnlyList<ArtifactPattern> patterns, IdentityOverrides overrides, FailOn failOn)
    {
        ArtifactSelection selection = ArtifactSelector.Select(patterns);
        var evaluator = new ComplianceEvaluator(policy, today);
        ArtifactResult[] results = selection.Artifacts.Select(artifact => CheckOne(evaluator, artifact, overrides)).ToArray();
        return evaluator.Complete(results, [.. selection.Messages, .. analyzer.Messages], selection.Incomplete, failOn);
    }

    private ArtifactResult CheckOne(ComplianceEvaluator evaluator, SelectedArtifact artifact, IdentityOverrides overrides)
    {
        IdentityOverrides fromPolicy = artifact.Entry is { } entry
            ? new IdentityOverrides(entry.Name, entry.License, entry.BaseModels, DeclarationSource.Policy)
            : IdentityOverrides.None(DeclarationSource.Policy);
        DeclaredIdentity declared = DeclaredIdentityReader.Read(artifact.Path, fromPolicy, overrides);
        LineageEvidence evidence;
        try
        {
            string? baseModel = baseWeights ?? (artifact.Entry?.BaseWeights is { } entryBase ? Path.GetFullPath(Path.Combine(policy.Root, entryBase)) : null);
            using LoadedModel model = ModelLoader.Open(artifact.Path, baseModel);
            declared = EmbeddedDeclarations.Fill(declared, model);
            evidence = analyzer.Analyse(model);
        }
        catch (UnsafePickleException error)
        {
            return ComplianceEvaluator.UnsafePickle(artifact.Path, error, declared);
        }
        catch (ModelFormatException error)
        {
            return ComplianceEvaluator.Unreadable(artifact.Path, error.Problem, declared);
        }
        catch (InvalidInputException error)
        {
            return ComplianceEvaluator.Unreadable(artifact.Path, error.Message, declared);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return ComplianceEvaluator.Unreadable(artifact.Path, error.Message, declared);
        }

        return evaluator.Evaluate(artifact.Path, declared, evidence);
    }
}
