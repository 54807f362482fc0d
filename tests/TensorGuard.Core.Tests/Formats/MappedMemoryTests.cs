using System.Text;
using TensorGuard.Core.Formats;
using TensorGuard.Tests.Corpus;

namespace TensorGuard.Core.Tests.Formats;

// Resident memory must not grow with the model, also when a reader takes a few values from every row (the
// lineage method's windows): each read hands back every page it touched, partial pages included.
public sealed class MappedMemoryTests
{
    private const int Rows = 8192;
    private const int RowLength = 1024; // 4 KiB of F32 per row: one page per row

    [Fact]
    public void ReadFloat32_SmallWindowOfEveryRow_LeavesNoPagesOfTheFileResident()
    {
        Assert.SkipUnless(File.Exists("/proc/self/smaps"), "needs Linux's /proc/self/smaps to see the mapping's resident size");
        using var directory = new TestDirectory();
        string path = directory.File("rows.safetensors");
        long bytes = (long)Rows * RowLength * 4;
        string header = "{" + RawSafetensors.Tensor("w", "F32", $"[{Rows}, {RowLength}]", 0, bytes) + "}";
        RawSafetensors.Write(path, header);
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            stream.SetLength(8 + Encoding.UTF8.GetByteCount(header) + bytes);
        }

        using LoadedModel model = ModelLoader.Open(path);
        TensorEntry w = model.Tensors.Single();
        var window = new float[64];
        for (long row = 0; row < Rows; row++)
        {
            model.ReadFloat32(w, (row * RowLength) + 100, window);
        }

        long residentKiB = ResidentKiB(path);
        Assert.True(residentKiB < bytes / 1024 / 16, $"{residentKiB} KiB of the {bytes / 1024} KiB file stayed resident");
    }

    // Sum of the Rss lines of every mapping of the file.
    private static long ResidentKiB(string path)
    {
        long total = 0;
        bool inFile = false;
        foreach (string line in File.ReadLines("/proc/self/smaps"))
        {
            if (line.Length > 0 && char.IsAsciiHexDigit(line[0]) && line.Contains('-', StringComparison.Ordinal))
            {
                inFile = line.EndsWith(path, StringComparison.Ordinal);
            }
            else if (inFile && line.StartsWith("Rss:", StringComparison.Ordinal))
            {
                total += long.Parse(line["Rss:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return total;
    }
}
