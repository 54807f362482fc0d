using System.Runtime.InteropServices;

namespace TensorGuard.Core.Formats;

/// <summary>
/// Gives the pages of a read-only file mapping back after a block has been converted. Touched pages of
/// a mapping count towards the process's resident memory until unmapped, so reading a whole model
/// through one mapping would grow RSS to the model's size; the data stays in the page cache, so a
/// later read of the same range costs a minor fault, not disk I/O.
/// </summary>
internal static partial class MappedPages
{
    // Linux and macOS both define MADV_DONTNEED as 4; for clean file-backed pages it only drops them
    // from this process's page tables.
    private const int MadviseDontNeed = 4;

    private static readonly long PageSize = Environment.SystemPageSize;

    /// <summary>
    /// Releases every page that [<paramref name="start"/>, <paramref name="start"/> + <paramref name="length"/>)
    /// touches, partial ones included: reads of a few values per row (the lineage method's windows) would
    /// otherwise keep one page per row resident. A released page that is read again is mapped again from the
    /// page cache with the same contents, so a concurrent reader of a shared boundary page is unaffected.
    /// </summary>
    public static unsafe void Release(byte* start, long length)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return;
        }

        long first = (long)start & -PageSize;
        long end = ((long)start + length + PageSize - 1) & -PageSize;
        if (end > first)
        {
            // Advice only: if the kernel refuses, memory use is higher but results are unaffected.
            _ = Madvise((nint)first, (nuint)(end - first), MadviseDontNeed);
        }
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);
}
