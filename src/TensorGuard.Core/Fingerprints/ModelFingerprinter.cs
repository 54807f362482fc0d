using TensorGuard.Core.Fingerprints.Gradient;
using TensorGuard.Core.Formats;

namespace TensorGuard.Core.Fingerprints;

/// <summary>Settings of one fingerprint run that do not change its result.</summary>
/// <param name="MaxParallelism">Threads for reading and multiplying weights (−1: all cores).</param>
/// <param name="Progress">Receives progress of the gradient method, if given.</param>
public sealed record FingerprintRun(int MaxParallelism = -1, IProgress<GradientProgress>? Progress = null);

/// <summary>Builds a <see cref="FingerprintDocument"/> for an opened model: source files with hashes, and the gradient fingerprint.</summary>
public static class ModelFingerprinter
{
    /// <summary>Fingerprints <paramref name="model"/> under the name <paramref name="modelName"/>.</summary>
    /// <exception cref="ModelFormatException">The model cannot be fingerprinted (see <see cref="GradientFingerprinter.Compute"/>).</exception>
    public static FingerprintDocument Fingerprint(LoadedModel model, string modelName, FingerprintRun? run = null)
    {
        run ??= new FingerprintRun();

        // Hashing streams every file once; it runs beside the weight pass, which reads only the selected tensors.
        using var cancellation = new CancellationTokenSource();
        Task<SourceFile[]> hashing = Task.Run(() => SourceFileHasher.HashAsync(model.Files, model.Directory, cancellation.Token));
        GradientComputation gradient;
        try
        {
            gradient = GradientFingerprinter.Compute(model, model.Path, model.ParameterCount, GradientParameters.Default, run.MaxParallelism, run.Progress);
        }
        catch
        {
            cancellation.Cancel();
            ((IAsyncResult)hashing).AsyncWaitHandle.WaitOne();
            throw;
        }

        return new FingerprintDocument
        {
            ModelName = modelName,
            ParameterCount = model.ParameterCount,
            Files = hashing.GetAwaiter().GetResult(),
            Gradient = gradient.Fingerprint,
            Warnings = gradient.Warnings,
        };
    }
}
