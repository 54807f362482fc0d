using TensorGuard.Core.Formats;
using TensorGuard.Core.Formats.Safetensors;
using TensorGuard.Tests.Corpus;

namespace TensorGuard.Core.Tests.Formats;

public sealed class NonFiniteScannerTests
{
    [Fact]
    public void Scan_WeightsWithNaNAndInfinities_CountsThemPerTensorAcrossBlocks()
    {
        using var directory = new TestDirectory();
        float[] values = Enumerable.Range(0, 1000).Select(i => i * 0.5f).ToArray();
        values[3] = float.NaN;
        values[500] = float.PositiveInfinity;
        values[999] = float.NegativeInfinity;
        values[998] = float.NegativeInfinity;
        string path = directory.File("m.safetensors");
        SafetensorsWriter.Write(path,
        [
            new("clean", TensorDType.F32, [10, 10], RawSafetensors.F32(new float[100])),
            new("dirty", TensorDType.F32, [10, 100], RawSafetensors.F32(values)),
            new("dirty.bf16", TensorDType.BF16, [2], [0xC0, 0x7F, 0x80, 0x7F]),
            new("ids", TensorDType.I32, [1], [0xFF, 0xFF, 0x80, 0x7F]),
            new("packed", TensorDType.F4, [2], [0xFF]),
        ]);
        using LoadedModel model = ModelLoader.Open(path);

        NonFiniteReport report = NonFiniteScanner.Scan(model, blockElements: 64);

        Assert.Equal(
            [new NonFiniteCount("dirty", 1, 1, 2), new NonFiniteCount("dirty.bf16", 1, 1, 0)],
            report.Tensors);
        Assert.Equal(6, report.Total);
        Assert.Equal(1102, report.ScannedElements);
        Assert.Equal(["packed"], report.NotScanned);
    }

    [Fact]
    public void Scan_OneTensorWithUnsupportedDtype_ThrowsUnsupportedDtypeNamingTensor()
    {
        using var directory = new TestDirectory();
        string path = directory.File("m.safetensors");
        SafetensorsWriter.Write(path, [new("packed", TensorDType.F6E2M3, [4], [1, 2, 3])]);
        using LoadedModel model = ModelLoader.Open(path);

        var error = Assert.Throws<ModelFormatException>(() => NonFiniteScanner.Scan(model, model.Tensors[0], new float[4]));

        Assert.Contains("unsupported dtype F6_E2M3 in tensor \"packed\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Scan_Float8Fnuz_CountsItsOneNaNPatternAndNoInfinities()
    {
        using var directory = new TestDirectory();
        string path = directory.File("m.safetensors");
        SafetensorsWriter.Write(path,
        [
            new("e4m3fnuz", TensorDType.F8E4M3Fnuz, [4], [0x80, 0x7F, 0xFF, 0x00]),
            new("e5m2fnuz", TensorDType.F8E5M2Fnuz, [3], [0x7C, 0xFC, 0x80]),
        ]);
        using LoadedModel model = ModelLoader.Open(path);

        NonFiniteReport report = NonFiniteScanner.Scan(model);

        Assert.Equal([new NonFiniteCount("e4m3fnuz", 1, 0, 0), new NonFiniteCount("e5m2fnuz", 1, 0, 0)], report.Tensors);
        Assert.Equal(7, report.ScannedElements);
        Assert.Empty(report.NotScanned);
    }
}
