using TensorGuard.Tests.Corpus;
using CsCheck;
using TensorGuard.Core.Formats;

namespace TensorGuard.Core.Tests.Formats;

/// <summary>Assertions shared by the malformed-input corpora and mutation tests of every format.</summary>
internal static class Rejection
{
    /// <summary>
    /// Opening <paramref name="path"/> and reading every tensor must fail with one ModelFormatException whose
    /// one-line message names the file; returns the exception.
    /// </summary>
    public static ModelFormatException AssertRejected(string path)
    {
        ModelFormatException error = Assert.ThrowsAny<ModelFormatException>(() => OpenAndReadAll(path));
        Assert.DoesNotContain('\n', error.Message);
        Assert.StartsWith(UntrustedText.Printable(System.IO.Path.GetFileName(path)).TrimEnd('…'), System.IO.Path.GetFileName(error.Path), StringComparison.Ordinal);
        Assert.True(error.Problem.Length > 10, $"message too terse: {error.Message}");
        return error;
    }

    /// <summary>Opens <paramref name="path"/> and converts every convertible tensor, in blocks.</summary>
    public static void OpenAndReadAll(string path)
    {
        using LoadedModel model = ModelLoader.Open(path);
        var block = new float[4096];
        foreach (TensorEntry tensor in model.Tensors.Where(t => t.DType.IsConvertible()))
        {
            for (long first = 0; first < tensor.ElementCount; first += block.Length)
            {
                model.ReadFloat32(tensor, first, block.AsSpan(0, (int)Math.Min(block.Length, tensor.ElementCount - first)));
            }
        }
    }

    /// <summary>
    /// Random corruptions of <paramref name="valid"/> (byte changes, truncation, insertion) are either read
    /// or rejected with a ModelFormatException — never another exception, crash or hang.
    /// </summary>
    public static void AssertMutationsRejectedCleanly(byte[] valid, string fileName, int iterations = 300)
    {
        using var scratch = new TestDirectory();
        Gen.Int.Sample(seed =>
        {
            string path = scratch.Write(fileName, Mutate(valid, seed));
            try
            {
                OpenAndReadAll(path);
            }
            catch (ModelFormatException error)
            {
                Assert.DoesNotContain('\n', error.Message);
            }
        }, iter: iterations, threads: 1);
    }

    private static byte[] Mutate(byte[] valid, int seed)
    {
        var random = new Random(seed);
        var bytes = new List<byte>(valid);
        int edits = 1 + random.Next(4);
        for (int i = 0; i < edits && bytes.Count > 0; i++)
        {
            int at = random.Next(bytes.Count);
            switch (random.Next(5))
            {
                case 0:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 1:
                    bytes.Insert(at, (byte)random.Next(256));
                    break;
                case 2:
                    bytes[at] = (byte)(bytes[at] ^ (1 << random.Next(8)));
                    break;
                case 3:
                    bytes[at] = random.Next(2) == 0 ? (byte)0xFF : (byte)0x00;
                    break;
                default:
                    bytes[at] = (byte)random.Next(256);
                    break;
            }
        }

        return bytes.ToArray();
    }
}

/// <summary>Writing generated files into a <see cref="TestDirectory"/>.</summary>
internal static class TestDirectoryWrites
{
    /// <summary>Writes <paramref name="bytes"/> to <paramref name="name"/> (creating folders) and returns its path.</summary>
    public static string Write(this TestDirectory directory, string name, byte[] bytes)
    {
        string path = directory.File(name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
