using System.Buffers.Binary;
using System.Text;

namespace TensorGuard.Core.Tests.Build;

/// <summary>
/// Reads the GNU symbol-versioning sections of an ELF64 little-endian file: the versions a library
/// requires (<c>.gnu.version_r</c>) and the versions it defines (<c>.gnu.version_d</c>), and the libraries
/// it needs (<c>DT_NEEDED</c> in <c>.dynamic</c>). Written independently of build/MarkGlibcxxRequirementWeak.cs
/// so that it can check that task's output. Not ELFSharp (2.17.3, the ELF library served here): it reads the
/// dynamic section but not the GNU version sections, which are the point of these checks.
/// </summary>
internal sealed class ElfVersions
{
    private const uint ShtGnuVerdef = 0x6ffffffd;
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const uint ShtDynamic = 6;
    private const long DtNeeded = 1;

    /// <summary>One required version: the library it comes from, its name, flags, and the file offset of the flags field.</summary>
    public sealed record Requirement(string File, string Name, ushort Flags, long FlagsOffset);

    private ElfVersions(IReadOnlyList<Requirement> required, IReadOnlyList<string> defined, IReadOnlyList<string> needed)
    {
        Required = required;
        Defined = defined;
        Needed = needed;
    }

    public IReadOnlyList<Requirement> Required { get; }

    public IReadOnlyList<string> Defined { get; }

    /// <summary>The sonames of the <c>DT_NEEDED</c> entries, in order.</summary>
    public IReadOnlyList<string> Needed { get; }

    public static ElfVersions Read(byte[] image)
    {
        if (!image.AsSpan(0, 4).SequenceEqual("\u007fELF"u8) || image[4] != 2 || image[5] != 1)
        {
            throw new InvalidDataException("not an ELF64 little-endian file");
        }

        long sectionTable = (long)U64(image, 0x28);
        int entrySize = U16(image, 0x3A);
        int count = U16(image, 0x3C);
        var required = new List<Requirement>();
        var defined = new List<string>();
        var needed = new List<string>();
        for (int i = 0; i < count; i++)
        {
            long header = sectionTable + (i * entrySize);
            uint type = U32(image, header + 4);
            if (type is not (ShtGnuVerneed or ShtGnuVerdef or ShtDynamic))
            {
                continue;
            }

            long offset = (long)U64(image, header + 0x18);
            long strings = (long)U64(image, sectionTable + (U32(image, header + 0x28) * entrySize) + 0x18);
            uint entries = U32(image, header + 0x2C);
            if (type == ShtGnuVerneed)
            {
                ReadNeeds(image, offset, entries, strings, required);
            }
            else if (type == ShtGnuVerdef)
            {
                ReadDefinitions(image, offset, entries, strings, defined);
            }
            else
            {
                ReadNeeded(image, offset, (long)U64(image, header + 0x20), strings, needed);
            }
        }

        return new ElfVersions(required, defined, needed);
    }

    // Elf64_Dyn { i64 tag, u64 value } up to DT_NULL; a DT_NEEDED value is an offset into the linked string table.
    private static void ReadNeeded(byte[] image, long dynamic, long size, long strings, List<string> into)
    {
        for (long entry = dynamic; entry + 16 <= dynamic + size; entry += 16)
        {
            long tag = (long)U64(image, entry);
            if (tag == 0)
            {
                break;
            }

            if (tag == DtNeeded)
            {
                into.Add(CString(image, strings + (long)U64(image, entry + 8)));
            }
        }
    }

    // Elf64_Verneed { u16 version, u16 cnt, u32 file, u32 aux, u32 next } then Elf64_Vernaux
    // { u32 hash, u16 flags, u16 other, u32 name, u32 next }.
    private static void ReadNeeds(byte[] image, long need, uint entries, long strings, List<Requirement> into)
    {
        for (uint n = 0; n < entries; n++)
        {
            string file = CString(image, strings + U32(image, need + 4));
            long aux = need + U32(image, need + 8);
            for (int a = 0; a < U16(image, need + 2); a++)
            {
                into.Add(new Requirement(file, CString(image, strings + U32(image, aux + 8)), U16(image, aux + 4), aux + 4));
                aux += U32(image, aux + 12);
            }

            need += U32(image, need + 12);
        }
    }

    // Elf64_Verdef { u16 version, u16 flags, u16 ndx, u16 cnt, u32 hash, u32 aux, u32 next } then
    // Elf64_Verdaux { u32 name, u32 next }; the first aux names the defined version.
    private static void ReadDefinitions(byte[] image, long definition, uint entries, long strings, List<string> into)
    {
        for (uint n = 0; n < entries; n++)
        {
            into.Add(CString(image, strings + U32(image, definition + U32(image, definition + 12))));
            definition += U32(image, definition + 16);
        }
    }

    private static string CString(byte[] image, long at)
    {
        int end = Array.IndexOf(image, (byte)0, (int)at);
        return Encoding.ASCII.GetString(image, (int)at, end - (int)at);
    }

    private static ushort U16(byte[] image, long at) => BinaryPrimitives.ReadUInt16LittleEndian(image.AsSpan((int)at));

    private static uint U32(byte[] image, long at) => BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan((int)at));

    private static ulong U64(byte[] image, long at) => BinaryPrimitives.ReadUInt64LittleEndian(image.AsSpan((int)at));
}
