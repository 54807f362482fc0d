using System.Text;
using TensorGuard.Core.Formats;
using TensorGuard.Tests.Corpus;

namespace TensorGuard.Core.Tests.Formats;

public sealed class LargeFileTests
{
    [Fact]
    public void ReadFloat32_LastRowOfTensorPastFourGigabytes_ReadsStoredValues()
    {
        // A sparse file: 5 GB of U8 padding that costs no disk, then a 4×8 F32 tensor whose last row we write.
        const long padding = 5_000_000_000;
        using var directory = new TestDirectory();
        string path = directory.File("big.safetensors");
        string header = "{" + RawSafetensors.Tensor("a.padding", "U8", $"[{padding}]", 0, padding) + ","
            + RawSafetensors.Tensor("b.weight", "F32", "[4, 8]", padding, padding + 128) + "}";
        RawSafetensors.Write(path, header);
        float[] lastRow = [1.5f, -2f, 3.25f, float.NaN, 0f, -0f, float.MaxValue, float.Epsilon];
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            long dataStart = 8 + Encoding.UTF8.GetByteCount(header);
            stream.SetLength(dataStart + padding + 128);
            stream.Position = dataStart + padding + 96;
            stream.Write(RawSafetensors.F32(lastRow));
        }

        using LoadedModel model = ModelLoader.Open(path);
        TensorEntry b = model.Tensors.Single(t => t.Name == "b.weight");
        var row = new float[8];
        model.ReadFloat32(b, 3 * b.RowLength, row);
        var beforeEnd = new float[4];
        model.ReadFloat32(model.Tensors[0], padding - 4, beforeEnd);

        Assert.Equal(lastRow.Select(BitConverter.SingleToInt32Bits), row.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(new float[4], beforeEnd);
        Assert.Equal(padding + 32, model.ParameterCount);
        Assert.True(model.Files.Single().Length > uint.MaxValue);
    }
}
