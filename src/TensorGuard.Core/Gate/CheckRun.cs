using TensorGuard.Core;
using TensorGuard.Core.Compliance;
using TensorGuard.Core.Fingerprints.Lineage;
using TensorGuard.Core.Formats;
using TensorGuard.Core.Formats.Hub;
using TensorGuard.Core.Formats.PyTorch;
using TensorGuard.Core.Policy;

namespace TensorGuard.Core.Gate;

/// <summary>
/// One run of the gate, wiring the stages: select artifacts → read what each declares → open its weights and find
/// its lineage → evaluate the policy. An artifact that cannot be opened or analysed becomes an unreadable-artifact
/// result, a pickle that could run code an unsafe-pickle result (both never compliant); the run goes on with the others so the report covers everything.
/// A PEFT adapter is merged into <paramref name="baseWeights"/> (or its policy entry's <c>base-weights</c>); without a base it is not analysed.
/// </summary>
/// <param name="hashFile">Gives a file's SHA-256 for the reports; null records files without hashes.</param>
public sealed class CheckRun(PolicyDocument policy, LineageAnalyzer analyzer, DateOnly today, string? baseWeights = null, Func<string, string>? hashFile = null)
{
    /// <summary>Reads <c>hf://</c> artifacts and bases; null: such references are unreadable artifacts.</summary>
    public HubClient? Hub { get; init; }

    /// <summary>Verifies declared bases the policy has no sketch for from the Hub; null: not verified.</summary>
    public HubBaseVerifier? BaseVerifier { get; init; }

    /// <summary>The changes since a pull request's base; null marks nothing.</summary>
    public GitChanges? Changes { get; init; }

    /// <summary>Skip the artifacts <see cref="Changes"/> finds unchanged.</summary>
    public bool OnlyChanged { get; init; }

    public CheckResult Check(IReadOnlyList<ArtifactPattern> patterns, IdentityOverrides overrides, FailOn failOn)
    {
        ArtifactSelection selection = ArtifactSelector.Select(patterns);
        var evaluator = new ComplianceEvaluator(policy, today);
        var messages = new List<RunMessage>([.. selection.Messages, .. analyzer.Messages]);
        if (analyzer.Note is { } note)
        {
            messages.Insert(0, new RunMessage(Severity.Note, note));
        }

        var checkedArtifacts = new List<ArtifactResult>();
        int skipped = 0;
        // A catalogue document built since the base decides too; one not built yet is no file to compare.
        string[] decisive =
        [
            policy.Path,
            .. policy.Bases.Select(b => b.Fingerprint).OfType<FingerprintFile>().Select(f => f.FullPath),
            .. policy.Catalogue is { } catalogue ? [catalogue.Path] : Array.Empty<string>(),
            .. policy.Bases.Select(b => b.Fingerprint).OfType<CatalogueDocument>().Select(d => d.FullPath).Where(File.Exists),
        ];
        foreach (SelectedArtifact artifact in selection.Artifacts)
        {
            ArtifactChange? change = Changes?.Classify(artifact.Path, decisive);
            if (OnlyChanged && change == ArtifactChange.Unchanged)
            {
                skipped++;
                continue;
            }

            checkedArtifacts.Add(CheckOne(evaluator, artifact, overrides) with { Change = change });
        }

        if (Changes is { } changes)
        {
            string since = $"{changes.BaseRef} (merge base {changes.MergeBase[..Math.Min(12, changes.MergeBase.Length)]})";
            messages.Add(new RunMessage(Severity.Note, skipped > 0
                ? $"{skipped} selected {(skipped == 1 ? "model is" : "models are")} unchanged since {since} and {(skipped == 1 ? "was" : "were")} not checked (only-changed); the base branch's own check covers {(skipped == 1 ? "it" : "them")}."
                : $"compared with {since}: models are marked added, modified or unchanged."));
        }

        return evaluator.Complete(checkedArtifacts, messages, selection.Incomplete, failOn, everyModelChecked: skipped == 0 && patterns.All(p => p.Entry is not null));
    }

    private ArtifactResult CheckOne(ComplianceEvaluator evaluator, SelectedArtifact artifact, IdentityOverrides overrides)
    {
        IdentityOverrides fromPolicy = artifact.Entry is { } entry
            ? new IdentityOverrides(entry.Name, entry.License, entry.BaseModels, DeclarationSource.Policy)
            : IdentityOverrides.None(DeclarationSource.Policy);
        DeclaredIdentity declared = DeclaredIdentityReader.Read(artifact.Path, fromPolicy, overrides);
        LineageEvidence evidence;
        IReadOnlyList<ArtifactFile> files;
        try
        {
            string? baseModel = baseWeights ?? (artifact.Entry?.BaseWeights is { } entryBase ? PolicyPath(entryBase) : null);
            using LoadedModel model = ModelLoader.Open(artifact.Path, baseModel, Hub);
            if (HubReference.IsHubReference(artifact.Path) && model.Directory is { } kept)
            {
                declared = DeclaredIdentityReader.Read(artifact.Path, kept, fromPolicy, overrides);
            }

            declared = EmbeddedDeclarations.Fill(declared, model);
            LineageCandidate candidate = analyzer.Candidate(model);
            evidence = analyzer.Analyse(model, candidate);
            if (BaseVerifier?.Verify(declared, candidate) is { } verified)
            {
                evidence = evidence with { Tests = [.. evidence.Tests, .. verified.Tests], HubBases = verified.HubBases };
            }

            // Hub files come with the SHA-256 the Hub publishes; local files are hashed (or found in the cache).
            files = model.Files.Select(file => new ArtifactFile(file.Path, file.Length, file.Sha256 ?? (HubReference.IsHubReference(file.Path) ? null : hashFile?.Invoke(file.Path)))).ToArray();
        }
        catch (UnsafePickleException error)
        {
            return ComplianceEvaluator.UnsafePickle(artifact.Path, error, declared) with { Files = Listed(artifact.Path) };
        }
        catch (ModelFormatException error)
        {
            return ComplianceEvaluator.Unreadable(artifact.Path, error.Problem, declared) with { Files = Listed(artifact.Path) };
        }
        catch (InvalidInputException error)
        {
            return ComplianceEvaluator.Unreadable(artifact.Path, error.Message, declared) with { Files = Listed(artifact.Path) };
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return ComplianceEvaluator.Unreadable(artifact.Path, error.Message, declared) with { Files = Listed(artifact.Path) };
        }

        return evaluator.Evaluate(artifact.Path, declared, evidence) with { Files = files };
    }

    /// <summary>The weights files an artifact that could not be opened seems to hold, without hashes (they were not read).</summary>
    private static IReadOnlyList<ArtifactFile> Listed(string path)
    {
        try
        {
            IEnumerable<string> files = Directory.Exists(path)
                ? Directory.EnumerateFiles(path).Where(file => ArtifactSelector.IsWeights(Path.GetFileName(file))).Order(StringComparer.Ordinal)
                : File.Exists(path) ? [path] : [];
            return files.Select(file => new ArtifactFile(file, new FileInfo(file).Length, null)).ToArray();
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private string PolicyPath(string path) => HubReference.IsHubReference(path) ? path : Path.GetFullPath(Path.Combine(policy.Root, path));
}
