using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TensorGuard.Core.Classification;
using TensorGuard.Core.Compliance;
using TensorGuard.Core.Fingerprints;
using TensorGuard.Core.Fingerprints.Lineage;
using TensorGuard.Core.Formats;
using TensorGuard.Core.Policy;

namespace TensorGuard.Core.Gate;

/// <summary>
/// Finds the lineage evidence of an artifact for the gate: the classifier's nearest base from the gradient
/// fingerprint, a lineage test of the weights against every base whose fingerprint carries a lineage sketch, and
/// byte identity with every base whose fingerprint records file or tensor hashes (<see cref="IdentityEvidence"/>).
/// Base fingerprints are read once per run; the artifact's candidate view is built once per artifact, and only when
/// a test is not cached. The artifact's fingerprint, its lineage tests and its tensor hashes (<see cref="TensorHashCache"/>)
/// are cached by the weights' content hash, so a re-run on unchanged files reads no weights.
/// </summary>
public sealed class LineageAnalyzer
{
    private const string FingerprintKind = "fingerprint.json";

    private readonly FamilyClassifier? _classifier;
    private readonly IReadOnlyList<TestedBase> _sketched;
    private readonly LineageSketch[] _sketches;
    private readonly FingerprintCache? _cache;
    private readonly IdentityEvidence _identity;

    /// <exception cref="PolicyException">A base's fingerprint is missing or invalid.</exception>
    public LineageAnalyzer(PolicyDocument policy, FingerprintCache? cache)
    {
        IReadOnlyList<ReferenceBase> bases = PolicyReferences.Load(policy);

        // The classifier scales features by their spread across bases, which one base does not have: lineage tests alone then decide.
        _classifier = bases.Count >= 2 ? new FamilyClassifier(bases, ClassifierMethod.TensorGuard, PolicyReferences.LoadLabelled(policy)) : null;
        LineageReferences references = PolicyReferences.LoadSketches(policy, bases);
        _sketched = references.Sketched.Select(b => new TestedBase(b.Name, b.Sketch, CacheKind(b.Sketch))).ToArray();
        _sketches = _sketched.Select(b => b.Sketch).ToArray();
        Note = _classifier is null ? SingleBaseNote(bases[0], _sketched.Count) : null;
        Messages = references.Unbuilt.Count == 0 ? [] :
        [
            new RunMessage(Severity.Note, $"lineage is unavailable for {references.Unbuilt.Count} catalogue base(s) whose document is not built yet "
                + $"({string.Join(", ", references.Unbuilt.Select(name => Formats.UntrustedText.Printable(name)))}): derivations of them are recognised only by what they declare; "
                + $"build the documents with `tensorguard catalogue build --catalogue {policy.Catalogue!.Path}`."),
        ];
        _cache = cache;
        _identity = new IdentityEvidence(bases);
    }

    /// <summary>What the run should be told about how lineage is found (the classifier skipped), or null.</summary>
    public string? Note { get; }

    /// <summary>What every report of a run with this analyzer should say (catalogue bases without a document).</summary>
    public IReadOnlyList<RunMessage> Messages { get; }

    /// <summary>The names of the policy's bases whose fingerprints or catalogue documents carry a lineage sketch.</summary>
    public ISet<string> SketchedBases => _sketched.Select(b => b.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);

    /// <exception cref="ModelFormatException">The weights cannot be read or fingerprinted.</exception>
    public LineageEvidence Analyse(LoadedModel model) => Analyse(model, Candidate(model));

    /// <summary>
    /// <paramref name="model"/> as a lineage candidate that reads its shared parts once for every base this analyzer
    /// tests; pass it to <see cref="Analyse(LoadedModel, LineageCandidate)"/> and to other tests of the same model (the
    /// Hub's declared bases) so the model is sketched once. It reads nothing until a test needs it.
    /// </summary>
    public LineageCandidate Candidate(LoadedModel model) => new(model, _sketches);

    /// <summary>As <see cref="Analyse(LoadedModel)"/>, comparing through <paramref name="candidate"/> (from <see cref="Candidate"/>).</summary>
    /// <exception cref="ModelFormatException">The weights cannot be read or fingerprinted.</exception>
    public LineageEvidence Analyse(LoadedModel model, LineageCandidate candidate)
    {
        string? key = _cache?.ContentKey(model);
        FingerprintDocument fingerprint = Cached(key, FingerprintKind,
            bytes => FingerprintReader.Parse(bytes, model.Path, model.Path),
            () => ModelFingerprinter.Fingerprint(model, Path.GetFileName(model.Path), new FingerprintRun(Methods: FingerprintMethods.Gradient)),
            document => Encoding.UTF8.GetBytes(FingerprintWriter.ToJson(document)));
        NearestBase? nearest = null;
        if (_classifier is not null)
        {
            FamilyClassification classification = _classifier.Classify([PolicyReferences.Query(fingerprint, model.Path)]).Results[0];
            nearest = new NearestBase(classification.NearestBase, classification.NearestFamily, classification.Distance,
                classification.UnknownThreshold, classification.Unknown);
        }

        LineageTest[] tests = _sketched
            .Select(sketched => Cached(key, sketched.CacheKind,
                bytes => JsonSerializer.Deserialize<CachedTest>(bytes.Span, JsonSettings.Serializer) ?? throw new JsonException("empty entry"),
                () => CachedTest.Of(candidate.CompareWith(sketched.Sketch)),
                test => JsonSerializer.SerializeToUtf8Bytes(test, JsonSettings.Serializer))
                .For(sketched.Name))
            .ToArray();
        return new LineageEvidence(nearest, tests) { Identity = _identity.Find(model, fingerprint.Files, key is null ? null : new TensorHashCache(_cache!, key)) };
    }

    /// <summary>Why the classifier was skipped, and which lineage tests decide instead (catalogue bases' too).</summary>
    private static string SingleBaseNote(ReferenceBase only, int sketched)
    {
        int catalogue = sketched - (only.Lineage is null ? 0 : 1);
        string against = (only.Lineage is not null, catalogue) switch
        {
            (_, 0) => "against it",
            (true, _) => $"against it and {catalogue} catalogue base(s)",
            (false, _) => $"against {catalogue} catalogue base(s)",
        };
        return $"the policy has one base{(catalogue > 0 ? " besides its catalogue's" : "")} ({only.Name}), so the family classifier was skipped; only lineage tests {against} decide"
            + (sketched == 0 ? ", and its fingerprint has no lineage sketch, so nothing can be detected: re-create it with 'tensorguard policy add-base'." : ".");
    }

    /// <summary>The cache kind of a test against <paramref name="sketch"/>: the method version and the sketch's content hash.</summary>
    private static string CacheKind(LineageSketch sketch) =>
        $"lineage-v{LineageSettings.Version}-{Convert.ToHexStringLower(SHA256.HashData(LineageSketchCodec.Encode(sketch)))[..32]}.json";

    private T Cached<T>(string? key, string kind, Func<ReadOnlyMemory<byte>, T> read, Func<T> compute, Func<T, byte[]> write)
    {
        if (key is not null && _cache!.Get(key, kind) is { } bytes)
        {
            try
            {
                return read(bytes);
            }
            catch (Exception error) when (error is JsonException or InvalidInputException or NotSupportedException)
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

    private sealed record TestedBase(string Name, LineageSketch Sketch, string CacheKind);

    /// <summary>A lineage test as cached: without the base's name, which the policy may change while the sketch stays.</summary>
    private sealed record CachedTest(LineageVerdict Verdict, double Similarity, double Log10PValue, string Reason, double? ZScore)
    {
        /// <summary>The test's z-score is its strongest view's (matches come strongest first).</summary>
        public static CachedTest Of(LineageComparison comparison) =>
            new(comparison.Verdict, comparison.Similarity, comparison.Log10PValue, comparison.Reason,
                comparison.Matches.Count > 0 ? comparison.Matches[0].ZScore : null);

        public LineageTest For(string baseName) => new(baseName, Verdict, Similarity, Log10PValue, Reason) { ZScore = ZScore };
    }
}
