using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

// Marks one GLIBCXX version requirement of an ELF64 little-endian shared library as weak, but only
// when the machine's libstdc++ does not provide that version. Idempotent.
public sealed class MarkGlibcxxRequirementWeak : Task
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlagWeak = 0x2;
    private const int SectionHeaderOffsetField = 0x28;
    private const int SectionHeaderCountField = 0x3C;
    private const int SectionHeaderSize = 64;

    private static readonly string[] LibStdCxxCandidates =
    {
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/usr/lib64/libstdc++.so.6",
        "/usr/lib/libstdc++.so.6",
    };

    [Required]
    public ITaskItem[] Libraries { get; set; } = Array.Empty<ITaskItem>();

    [Required]
    public string Version { get; set; } = string.Empty;

    public override bool Execute()
    {
        if (SystemProvides(Version))
        {
            return true;
        }

        foreach (ITaskItem item in Libraries)
        {
            string path = item.GetMetadata("FullPath");
            byte[] image = File.ReadAllBytes(path);
            switch (MarkWeak(image, Version))
            {
                case PatchOutcome.Patched:
                    // Write a new file and rename it over the old one: the build output may be a hard link
                    // into the NuGet package cache (CreateHardLinksForCopyLocalIfPossible), which must not change.
                    string patched = path + ".patched";
                    File.WriteAllBytes(patched, image);
                    File.Replace(patched, path, null);
                    Log.LogMessage(MessageImportance.High,
                        $"TensorGuard: marked {Version} weak in {path} (this machine's libstdc++ lacks it).");
                    break;
                case PatchOutcome.NotElf:
                    Log.LogWarning($"TensorGuard: {path} is not an ELF64 little-endian library; left unchanged.");
                    break;
            }
        }

        return !Log.HasLoggedErrors;
    }

    private static bool SystemProvides(string version)
    {
        string needle = version + "\0";
        foreach (string candidate in LibStdCxxCandidates)
        {
            if (File.Exists(candidate))
            {
                // Latin-1 maps each byte to one char, so a string search is a byte search.
                return Encoding.GetEncoding("ISO-8859-1").GetString(File.ReadAllBytes(candidate))
                    .IndexOf(needle, StringComparison.Ordinal) >= 0;
            }
        }

        // No libstdc++ found where we look: patching is harmless, so do it.
        return false;
    }

    private enum PatchOutcome { Patched, Unchanged, NotElf }

    private static PatchOutcome MarkWeak(byte[] image, string version)
    {
        bool isElf64Le = image.Length > 0x40 && image[0] == 0x7f && image[1] == (byte)'E' && image[2] == (byte)'L'
            && image[3] == (byte)'F' && image[4] == 2 && image[5] == 1;
        if (!isElf64Le)
        {
            return PatchOutcome.NotElf;
        }

        int sectionHeaders = checked((int)ReadU64(image, SectionHeaderOffsetField));
        int sectionCount = ReadU16(image, SectionHeaderCountField);
        bool changed = false;
        for (int i = 0; i < sectionCount; i++)
        {
            int header = checked(sectionHeaders + i * SectionHeaderSize);
            if (ReadU32(image, header + 4) != ShtGnuVerneed)
            {
                continue;
            }

            int need = checked((int)ReadU64(image, header + 0x18));
            int stringHeader = checked(sectionHeaders + (int)ReadU32(image, header + 0x28) * SectionHeaderSize);
            int strings = checked((int)ReadU64(image, stringHeader + 0x18));
            int entryCount = (int)ReadU32(image, header + 0x2C);
            for (int n = 0; n < entryCount; n++)
            {
                int auxCount = ReadU16(image, need + 2);
                int aux = need + (int)ReadU32(image, need + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    int nameStart = strings + (int)ReadU32(image, aux + 8);
                    int nameEnd = Array.IndexOf(image, (byte)0, nameStart);
                    string name = Encoding.ASCII.GetString(image, nameStart, nameEnd - nameStart);
                    int flags = ReadU16(image, aux + 4);
                    if (name == version && (flags & VerFlagWeak) == 0)
                    {
                        flags |= VerFlagWeak;
                        image[aux + 4] = (byte)flags;
                        image[aux + 5] = (byte)(flags >> 8);
                        changed = true;
                    }

                    aux += (int)ReadU32(image, aux + 12);
                }

                need += (int)ReadU32(image, need + 12);
            }
        }

        return changed ? PatchOutcome.Patched : PatchOutcome.Unchanged;
    }

    // Explicit little-endian reads: ELF64 LE fields, independent of the build machine's byte order.
    private static int ReadU16(byte[] b, int at) => b[at] | (b[at + 1] << 8);

    private static uint ReadU32(byte[] b, int at) => (uint)(ReadU16(b, at) | (ReadU16(b, at + 2) << 16));

    private static ulong ReadU64(byte[] b, int at) => ReadU32(b, at) | ((ulong)ReadU32(b, at + 4) << 32);
}
