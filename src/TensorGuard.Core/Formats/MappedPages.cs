using System.Runtime.InteropServices;

namespace TensorGuard.Core.Formats;

/// <summary>
/// Keeps the resident part of a read-only file mapping bounded. Touched pages of a mapping count towards
/// the process's resident memory until unmapped, so reading a whole model through one mapping would grow
/// RSS to the model's size. Releasing exactly the pages each read used is not enough: a fault also maps
/// cached neighbours (Linux's fault-around) and, where the page cache holds large folios, the whole folio
/// (up to 2 MiB), which stay mapped when threads read blocks out of order or a reader takes a few values per
/// row. So reads are only counted, and once they may have mapped <see cref="Budget"/> bytes the whole mapping
/// is handed back. The data stays in the page cache: a later read, also one in flight on another thread,
/// costs a minor fault and sees the same bytes.
/// </summary>
internal sealed unsafe partial class MappedPages(byte* start, long length)
{
    /// <summary>Bytes a mapping may have touched before it is released.</summary>
    public const long Budget = 32L << 20;

    // Linux and macOS both define MADV_DONTNEED as 4; for clean file-backed pages it only drops them
    // from this process's page tables.
    private const int MadviseDontNeed = 4;

    // What one fault may map: a whole large folio, at most a PMD's 2 MiB (more than fault-around's 64 KiB).
    private const int RegionShift = 21;

    private long _touched;
    private long _lastRegion = -1;

    /// <summary>
    /// Counts a read of <paramref name="count"/> bytes at <paramref name="offset"/>, releasing the whole mapping
    /// when the budget is spent. A read in the 2 MiB region of the previous one counts only its bytes, so
    /// small reads walking through a tensor are not charged a region each.
    /// </summary>
    public void Touched(long offset, long count)
    {
        long region = offset >> RegionShift;
        long mapped = Interlocked.Exchange(ref _lastRegion, region) == region ? count : Math.Max(count, 1L << RegionShift);
        if (Interlocked.Add(ref _touched, mapped) >= Budget && Interlocked.Exchange(ref _touched, 0) >= Budget)
        {
            ReleaseAll();
        }
    }

    private void ReleaseAll()
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            // Advice only: if the kernel refuses, memory use is higher but results are unaffected.
            _ = Madvise((nint)start, (nuint)length, MadviseDontNeed);
        }
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);
}
