using System.Text;
using System.Text.Json;
using TensorGuard.Core.Classification;
using TensorGuard.Core.Compliance;
using TensorGuard.Core.Fingerprints;
using TensorGuard.Core.Formats;
using TensorGuard.Core.Policy;

namespace TensorGuard.Cli;

/// <summary>
/// Finds the lineage evidence of an artifact for the gate: the classifier's nearest base from the gradient
/// fingerprint, and a lineage test of the weights against every base whose fingerprint carries a lineage sketch.
/// Both are cached by the weights' content hash, so a re-run on unchanged files reads no weights.
/// </summary>
internal sealed class LineageAnalyzer
{
    private const string FingerprintKind = "fingerprint.json";

    private readonly FamilyClassifier _classifier;
    private readonly FingerprintCache? _cache;

    /// <exception cref="PolicyException">A base's fingerprint is missing or invalid.</exception>
    public LineageAnalyzer(PolicyDocument policy, FingerprintCache? cache)
    {
        _classifier = new FamilyClassifier(PolicyReferences.Load(policy));
        _cache = cache;
    }

    /// <exception cref="ModelFormatException">The weights cannot be read or fingerprinted.</exception>
    public LineageEvidence Analyse(LoadedModel model)
    {
        string? key = _cache?.ContentKey(model);
        FingerprintDocument fingerprint = Cached(key, FingerprintKind,
            bytes => FingerprintReader.Parse(bytes, model.Path, model.Path),
            () => ModelFingerprinter.Fingerprint(model, Path.GetFileName(model.Path)),
            document => Encoding.UTF8.GetBytes(FingerprintWriter.ToJson(document)));
        FamilyClassification classification = _classifier.Classify([PolicyReferences.Query(fingerprint, model.Path)]).Results[0];
        var nearest = new NearestBase(classification.NearestBase, classification.NearestFamily, classification.Distance,
            classification.UnknownThreshold, classification.Unknown);

        return new LineageEvidence(nearest, []);
    }

    private T Cached<T>(string? key, string kind, Func<ReadOnlyMemory<byte>, T> read, Func<T> compute, Func<T, byte[]> write)
    {
        if (key is not null && _cache!.Get(key, kind) is { } bytes)
        {
            try
            {
                return read(bytes);
            }
            catch (Exception error) when (error is JsonException or Core.InvalidInputException or NotSupportedException)
            {
                // A damaged cache entry is recomputed, never trusted.
            }
        }

        T value = compute();
        if (key is not null)
        {
            _cache!.Put(key, kind, write(value));
        }

        return value;
    }
}
