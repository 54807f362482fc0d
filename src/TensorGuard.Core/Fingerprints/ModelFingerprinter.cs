using TensorGuard.Core.Fingerprints.Gradient;
using TensorGuard.Core.Fingerprints.Identity;
using TensorGuard.Core.Fingerprints.Lineage;
using TensorGuard.Core.Formats;

namespace TensorGuard.Core.Fingerprints;

/// <summary>The fingerprint methods a document can carry.</summary>
[Flags]
public enum FingerprintMethods
{
    /// <summary>The paper's gradient fingerprint (<c>tensorguard-gradient</c>).</summary>
    Gradient = 1,

    /// <summary>The lineage sketch (<c>tensorguard-lineage</c>).</summary>
    Lineage = 2,

    /// <summary>The methods <c>fingerprint</c> computes by default.</summary>
    All = Gradient | Lineage,

    /// <summary>Content hashes of every tensor (<c>tensorguard-identity</c>): reads every value, so only base documents carry it by default.</summary>
    Identity = 4,

    /// <summary>What a base's document holds: every method, so artifacts can be matched by lineage and by bytes.</summary>
    Base = All | Identity,
}

/// <summary>Settings of one fingerprint run; only <paramref name="Methods"/> changes what the document holds.</summary>
/// <param name="MaxParallelism">Threads for reading and multiplying weights (−1: all cores, less those hashing files meanwhile).</param>
/// <param name="Progress">Receives progress of the gradient method, if given.</param>
/// <param name="Methods">The methods to compute.</param>
public sealed record FingerprintRun(int MaxParallelism = -1, IProgress<GradientProgress>? Progress = null, FingerprintMethods Methods = FingerprintMethods.All);

/// <summary>A fingerprint document and how much of the model computing it read (it hashed every file its document lists).</summary>
/// <param name="WeightValuesRead">Values read in all, counting a value each time it was read.</param>
/// <param name="WeightsRead">Weights read at least once (at most the model's parameter count).</param>
public sealed record FingerprintResult(FingerprintDocument Document, long WeightValuesRead, long WeightsRead);

/// <summary>Builds a <see cref="FingerprintDocument"/> for an opened model: source files with hashes, and the requested fingerprints.</summary>
public static class ModelFingerprinter
{
    /// <summary>Fingerprints <paramref name="model"/> under the name <paramref name="modelName"/>.</summary>
    /// <exception cref="ModelFormatException">The model cannot be fingerprinted (see <see cref="GradientFingerprinter.Compute"/>).</exception>
    public static FingerprintDocument Fingerprint(LoadedModel model, string modelName, FingerprintRun? run = null) =>
        FingerprintCounted(model, modelName, run).Document;

    /// <summary>Fingerprints <paramref name="model"/> and reports how much of it was read.</summary>
    /// <exception cref="ModelFormatException">The model cannot be fingerprinted (see <see cref="GradientFingerprinter.Compute"/>).</exception>
    public static FingerprintResult FingerprintCounted(LoadedModel model, string modelName, FingerprintRun? run = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        run ??= new FingerprintRun();

        // Hashing streams every file once, on its own thread beside the weight pass (which reads only the
        // selected tensors): SHA-256 of a large model is as long as the weight pass itself.
        using var cancellation = new CancellationTokenSource();
        Task<SourceFile[]> hashing = Task.Factory.StartNew(
            () => SourceFileHasher.Hash(model.Files, model.Directory, cancellation.Token),
            cancellation.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        // SHA-256 cannot split a file, so the files hashed at once set the pace: until they are done the weight
        // passes take the cores they leave (at least one), so that no hashing thread waits for a core; then all.
        int hashers = Math.Min(Environment.ProcessorCount, model.Files.Count(file => file.Sha256 is null));
        int all = run.MaxParallelism > 0 ? run.MaxParallelism : Environment.ProcessorCount;
        int Threads() => hashing.IsCompleted ? run.MaxParallelism : Math.Clamp(Environment.ProcessorCount - hashers, 1, all);
        using var weights = new CountingTensorSource(model);
        GradientComputation? gradient = null;
        LineageSketch? lineage = null;
        IdentityFingerprint? identity = null;
        try
        {
            if (run.Methods.HasFlag(FingerprintMethods.Gradient))
            {
                gradient = GradientFingerprinter.Compute(weights, model.Path, model.ParameterCount, GradientParameters.Default, Threads, run.Progress);
            }

            if (run.Methods.HasFlag(FingerprintMethods.Lineage))
            {
                lineage = LineageSketcher.Sketch(weights, LineageSettings.SketchViews, Threads());
            }

            if (run.Methods.HasFlag(FingerprintMethods.Identity))
            {
                identity = TensorHasher.Hash(weights, maxParallelism: Threads());
            }
        }
        catch
        {
            cancellation.Cancel();
            ((IAsyncResult)hashing).AsyncWaitHandle.WaitOne();
            throw;
        }

        var document = new FingerprintDocument
        {
            ModelName = modelName,
            ParameterCount = model.ParameterCount,
            Files = hashing.GetAwaiter().GetResult(),
            Gradient = gradient?.Fingerprint,
            Lineage = lineage,
            Identity = identity,
            Warnings = [.. gradient?.Warnings ?? [], .. LineageWarnings(lineage)],
        };
        return new FingerprintResult(document, weights.ValuesRead, weights.WeightsRead);
    }

    private static IEnumerable<string> LineageWarnings(LineageSketch? lineage)
    {
        if (lineage is not null && lineage.Views.Count < LineageSettings.MinimumComparableViews)
        {
            yield return $"{LineageSettings.MethodId}: only {lineage.Views.Count} weight matrices read or write a hidden dimension of {lineage.HiddenSize}; lineage checks against this model will be inconclusive";
        }
    }
}
