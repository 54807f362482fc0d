using TensorGuard.Core.Compliance;
using TensorGuard.Core.Fingerprints.Lineage;
using TensorGuard.Core.Formats;
using TensorGuard.Core.Formats.Hub;
using TensorGuard.Core.Policy;

namespace TensorGuard.Core.Gate;

/// <summary>
/// Verifies declared bases the policy has no lineage sketch for: a model card's <c>base_model: ORG/NAME</c> naming a
/// base of the policy is sketched from the Hugging Face Hub (by byte ranges, a few percent of its weights) and the
/// artifact is tested against it, so the declaration is proven or refuted (<c>base-mismatch</c>) instead of resting on
/// the classifier. Sketches are cached by repository and commit in the cache folder. When the Hub cannot be read
/// (offline, gated, missing) the test is inconclusive with the reason: never a crash, never evidence of derivation.
/// </summary>
public sealed class HubBaseVerifier(HubClient hub, PolicyDocument policy, ISet<string> sketchedBases, string? cacheDirectory)
{
    /// <summary>Lineage tests of <paramref name="model"/> against each declared base the policy knows but has no sketch for.</summary>
    /// <exception cref="ModelFormatException">The artifact's own weights cannot be read.</exception>
    public IReadOnlyList<LineageTest> Verify(DeclaredIdentity declared, LoadedModel model)
    {
        ArgumentNullException.ThrowIfNull(declared);
        var tests = new List<LineageTest>();
        LineageCandidate? candidate = null;
        foreach (string id in declared.BaseModels?.Value ?? [])
        {
            DeclaredBase claimed = DeclaredBase.Resolve(id, policy);
            if (claimed.Base is not { } known || sketchedBases.Contains(known.Name) || tests.Any(t => t.Base == known.Name))
            {
                continue;
            }

            LineageSketch sketch;
            string source;
            try
            {
                (sketch, source) = SketchOf(HubReference.Parse(HubReference.IsHubReference(id) ? id : HubReference.Scheme + id));
            }
            catch (ModelFormatException error)
            {
                tests.Add(new LineageTest(known.Name, LineageVerdict.Inconclusive, 0, null,
                    $"lineage not verified: the declared base {UntrustedText.Printable(id)} could not be read from the Hub ({error.Problem})"));
                continue;
            }

            LineageComparison comparison = (candidate ??= new LineageCandidate(model)).CompareWith(sketch);
            tests.Add(new LineageTest(known.Name, comparison.Verdict, comparison.Similarity, comparison.Log10PValue, $"{comparison.Reason}; base sketched from {source}"));
        }

        return tests;
    }

    private (LineageSketch Sketch, string Source) SketchOf(HubReference reference)
    {
        HubRepository repository = HubRepository.Open(hub, reference);
        string source = repository.Reference.ToString();
        string? cached = cacheDirectory is null ? null : Path.Combine(cacheDirectory, "hub-sketches", reference.Organization, reference.Name,
            $"{repository.Commit}{(reference.Path.Length == 0 ? string.Empty : "-" + reference.Path.Replace('/', '-'))}.lineage-v{LineageSettings.Version}");
        if (cached is not null && File.Exists(cached))
        {
            try
            {
                return (LineageSketchCodec.Decode(File.ReadAllBytes(cached)), source);
            }
            catch (Exception error) when (error is InvalidInputException or IOException or UnauthorizedAccessException)
            {
                // A damaged entry is sketched again.
            }
        }

        using LoadedModel baseModel = HubModel.Open(hub, repository.Reference);
        LineageSketch sketch = LineageSketcher.Sketch(baseModel);
        if (cached is not null)
        {
            Store(cached, LineageSketchCodec.Encode(sketch));
        }

        return (sketch, source);
    }

    private static void Store(string path, byte[] bytes)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            string temporary = $"{path}.{Environment.ProcessId}.tmp";
            File.WriteAllBytes(temporary, bytes);
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // An unwritable cache only costs the next run a sketch.
        }
    }
}
