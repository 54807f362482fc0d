using System.Security.Cryptography;
using System.Text;
using TensorGuard.Core.Compliance;
using TensorGuard.Core.Fingerprints.Lineage;
using TensorGuard.Core.Formats;
using TensorGuard.Core.Formats.Hub;
using TensorGuard.Core.Policy;

namespace TensorGuard.Core.Gate;

/// <summary>
/// Verifies declared bases the policy cannot test offline: a model card's <c>base_model: ORG/NAME</c> that names a
/// policy base without a lineage sketch, or no policy base at all, is read from the Hugging Face Hub at the commit its
/// revision resolves to. Its own model card gives the license it declares (compared with the policy's license facts by
/// the compliance rules), and a sketch of its weights (by byte ranges, a few percent of them) tests the artifact, so
/// the declaration is proven or refuted (<c>base-mismatch</c>) instead of resting on the classifier. Sketches are
/// cached by repository and commit in the fingerprint cache, cards in the Hub cache folder. When the Hub cannot be
/// read (offline, gated, missing) the reading says why and the test is inconclusive: never a crash, never evidence of
/// derivation.
/// </summary>
public sealed class HubBaseVerifier(HubClient hub, PolicyDocument policy, ISet<string> sketchedBases, FingerprintCache? cache)
{
    private const string ModelCard = "README.md";

    /// <summary>
    /// Lineage tests of the artifact, as <paramref name="candidate"/> (the one its other lineage tests use, so it is
    /// sketched once), against each declared base the policy has no sketch for, and what was read of each.
    /// </summary>
    /// <exception cref="ModelFormatException">The artifact's own weights cannot be read.</exception>
    public LineageEvidence Verify(DeclaredIdentity declared, LineageCandidate candidate)
    {
        ArgumentNullException.ThrowIfNull(declared);
        ArgumentNullException.ThrowIfNull(candidate);
        var tests = new List<LineageTest>();
        var readings = new List<HubBaseReading>();
        foreach (string id in declared.BaseModels?.Value ?? [])
        {
            string name = DeclaredBase.Resolve(id, policy).Base?.Name ?? id;
            if (sketchedBases.Contains(name) || readings.Any(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            string printable = UntrustedText.Printable(id);
            HubRepository repository;
            string? license;
            string card;
            try
            {
                repository = HubRepository.Open(hub, HubReference.Parse(HubReference.IsHubReference(id) ? id : HubReference.Scheme + id));
                (license, card) = CardLicense(repository);
            }
            catch (ModelFormatException error)
            {
                string problem = $"could not be read from the Hub ({error.Problem})";
                readings.Add(new HubBaseReading(id, name, null, null, problem));
                tests.Add(new LineageTest(name, LineageVerdict.Inconclusive, 0, null, $"lineage not verified: the declared base {printable} {problem}"));
                continue;
            }

            string source = repository.Reference.ToString();
            LineageSketch sketch;
            try
            {
                sketch = SketchOf(repository);
            }
            catch (ModelFormatException error)
            {
                string problem = $"could not be sketched from the Hub ({error.Problem})";
                readings.Add(new HubBaseReading(id, name, source, license, problem));
                tests.Add(new LineageTest(name, LineageVerdict.Inconclusive, 0, null, $"lineage not verified: the declared base {printable} {problem}; {card}"));
                continue;
            }

            LineageComparison comparison = candidate.CompareWith(sketch);
            readings.Add(new HubBaseReading(id, name, source, license, null));
            tests.Add(new LineageTest(name, comparison.Verdict, comparison.Similarity, comparison.Log10PValue, $"{comparison.Reason}; base sketched from {source}; {card}"));
        }

        return new LineageEvidence(null, tests) { HubBases = readings };
    }

    /// <summary>The license the base's own card declares at the commit, and that fact in words for the test's reason.</summary>
    private static (string? License, string Text) CardLicense(HubRepository repository)
    {
        if (repository.Find(ModelCard) is not { } entry)
        {
            return (null, "it has no model card, so no license of its own");
        }

        repository.Download(entry, (int)DeclaredIdentityReader.MaxFileBytes);
        string? license = DeclaredIdentityReader.Read(repository.ReferenceOf(ModelCard), repository.LocalFolder(string.Empty)).License?.Value;
        return (license, $"its model card {HubBaseReading.LicenseText(license)}");
    }

    // Cached under the content key of the reference at its commit, which names immutable weights.
    private LineageSketch SketchOf(HubRepository repository)
    {
        string key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(repository.Reference.ToString())));
        string kind = $"lineage-v{LineageSettings.Version}.sketch";
        if (cache?.Get(key, kind) is { } bytes)
        {
            try
            {
                return LineageSketchCodec.Decode(bytes);
            }
            catch (InvalidInputException)
            {
                // A damaged entry is sketched again.
            }
        }

        using LoadedModel baseModel = HubModel.Open(hub, repository.Reference);
        LineageSketch sketch = LineageSketcher.Sketch(baseModel);
        cache?.Put(key, kind, LineageSketchCodec.Encode(sketch));
        return sketch;
    }
}
