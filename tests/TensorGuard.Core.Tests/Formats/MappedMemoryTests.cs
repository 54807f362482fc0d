using System.Text;
using TensorGuard.Core.Formats;
using TensorGuard.Tests.Corpus;

namespace TensorGuard.Core.Tests.Formats;

// Resident memory must not grow with the model, also when a reader takes a few values from every row (the
// lineage method's windows) or reads blocks out of order: the mapping's resident part stays within the
// reader's budget (32 MiB) whatever the access pattern, far below the 128 MiB file.
public sealed class MappedMemoryTests
{
    private const int Rows = 32768;
    private const int RowLength = 1024; // 4 KiB of F32 per row: one page per row
    private const long MaxResidentKiB = 48 << 10;

    [Fact]
    public void ReadFloat32_SmallWindowOfEveryRow_KeepsTheMappingWithinBudget()
    {
        AssertResidentStaysBounded((model, w, yield) =>
        {
            var window = new float[64];
            for (long row = 0; row < Rows; row++)
            {
                model.ReadFloat32(w, (row * RowLength) + 100, window);
                yield(row);
            }
        });
    }

    [Fact]
    public void ReadFloat32_BlocksInDescendingOrder_KeepsTheMappingWithinBudget()
    {
        // Out of order, as parallel readers go: each fault also maps cached neighbours already read.
        AssertResidentStaysBounded((model, w, yield) =>
        {
            var block = new float[4 * RowLength];
            for (long row = Rows - 4; row >= 0; row -= 4)
            {
                model.ReadFloat32(w, row * RowLength, block);
                yield(row);
            }
        });
    }

    // read calls back after each read with the row it read; residency is sampled every 1,024 rows.
    private static void AssertResidentStaysBounded(Action<LoadedModel, TensorEntry, Action<long>> read)
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
        long peakKiB = 0;
        read(model, model.Tensors.Single(), row => peakKiB = row % 1024 == 0 ? Math.Max(peakKiB, ResidentKiB(path)) : peakKiB);
        peakKiB = Math.Max(peakKiB, ResidentKiB(path));

        Assert.True(peakKiB < MaxResidentKiB, $"{peakKiB} KiB of the {bytes / 1024} KiB file were resident at once");
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
