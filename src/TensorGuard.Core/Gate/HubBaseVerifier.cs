using System.Security.Cryptography;
using System.Text;
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
/// the classifier. Sketches are cached by repository and commit in the fingerprint cache. When the Hub cannot be read
/// (offline, gated, missing) the test is inconclusive with the reason: never a crash, never evidence of derivation.
/// </summary>
public sealed class HubBaseVerifier(HubClient hub, PolicyDocument policy, ISet<string> sketchedBases, FingerprintCache? cache)
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

    // Cached under the content key of the reference at its commit, which names immutable weights.
    private (LineageSketch Sketch, string Source) SketchOf(HubReference reference)
    {
        HubRepository repository = HubRepository.Open(hub, reference);
        string source = repository.Reference.ToString();
        string key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(source)));
        string kind = $"lineage-v{LineageSettings.Version}.sketch";
        if (cache?.Get(key, kind) is { } bytes)
        {
            try
            {
                return (LineageSketchCodec.Decode(bytes), source);
            }
            catch (InvalidInputException)
            {
                // A damaged entry is sketched again.
            }
        }

        using LoadedModel baseModel = HubModel.Open(hub, repository.Reference);
        LineageSketch sketch = LineageSketcher.Sketch(baseModel);
        cache?.Put(key, kind, LineageSketchCodec.Encode(sketch));
        return (sketch, source);
    }
}
