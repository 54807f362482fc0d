using TensorGuard.Core.Fingerprints;
using TensorGuard.Core.Formats;
using TensorGuard.Tests.Corpus;

namespace TensorGuard.Core.Tests.Formats;

/// <summary>
/// Every hostile input of <see cref="HostileInputs"/> is inspected with a scan of every weight and fingerprinted end
/// to end (open, gradient, lineage, hashing), as <c>inspect --scan</c> and <c>fingerprint</c> do, and must end with a document or one one-line <see cref="ModelFormatException"/>, within a budget of memory
/// allocated (on this thread: the run uses one worker) and of weight values read, never timed by the clock.
/// </summary>
public sealed class HostileInputTests
{
    /// <summary>Bytes allocated per case: far below the 1 GB target, and far below what the attacks reached (9.8 to 12 GB).</summary>
    private const long AllocationBudget = 384L << 20;

    private const long ScanLimit = 64L << 20;

    public static TheoryData<string> Cases => new(HostileInputs.All.Keys.Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fingerprint_HostileInput_EndsWithOneMessageWithinBudget(string name)
    {
        using var scratch = new TestDirectory();
        HostileInput input = HostileInputs.All[name];
        (string path, string? baseModel) = input.Create(scratch);
        long stored = StoredBytes(path) + (baseModel is null ? 0 : StoredBytes(baseModel));

        long before = GC.GetAllocatedBytesForCurrentThread();
        FingerprintResult? result = null;
        ModelFormatException? error = null;
        try
        {
            // A scan reads every stored weight: linear work, but seconds for the sparse gigabyte, which is left to the fingerprint.
            ModelInspection.Of(path, baseModel, scan: stored < ScanLimit);
            using LoadedModel model = ModelLoader.Open(path, baseModel);
            result = ModelFingerprinter.FingerprintCounted(model, "hostile", new FingerprintRun(MaxParallelism: 1));
        }
        catch (ModelFormatException caught)
        {
            error = caught;
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < AllocationBudget, $"allocated {allocated} bytes");
        if (input.Fragment is null)
        {
            Assert.Null(error);
            Assert.True(result!.WeightValuesRead <= 4 * stored, $"read {result.WeightValuesRead} values from {stored} stored bytes");
            Assert.True(result.WeightsRead <= result.Document.ParameterCount);
        }
        else
        {
            Assert.NotNull(error);
            Assert.DoesNotContain('\n', error.Message);
            Assert.Contains(input.Fragment, error.Problem, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Corpus_CoversEveryFormat() =>
        Assert.All(new[] { "gguf-", "onnx-", "tflite-", "pytorch-", "peft-", "safetensors-" }, prefix => Assert.Contains(HostileInputs.All.Keys, name => name.StartsWith(prefix, StringComparison.Ordinal)));

    private static long StoredBytes(string path) => Directory.Exists(path)
        ? new DirectoryInfo(path).EnumerateFiles("*", SearchOption.AllDirectories).Where(f => RegularFile.SpecialKind(f.FullName) is null).Sum(f => f.Length)
        : RegularFile.SpecialKind(path) is null && File.Exists(path) ? new FileInfo(path).Length : 0;
}
