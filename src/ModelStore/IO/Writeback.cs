using Microsoft.Win32.SafeHandles;

namespace ModelStore.IO;

/// <summary>
/// Starts writing part of a file to disk while the rest is still being downloaded, so that the <c>fsync</c> which later
/// makes the whole file durable finds most of it written and waits only for the last part. A hint, not a guarantee:
/// durability still comes from that <c>fsync</c> alone.
/// </summary>
/// <remarks>
/// Linux only (<c>sync_file_range(SYNC_FILE_RANGE_WRITE)</c>): the kernel queues the range's dirty pages for writing
/// and returns. Without it a 1 GiB download left all of its pages dirty until the end (below the kernel's background
/// threshold on a machine with a few GiB free), and the cache's <c>fsync</c> then waited 0.66 s for the disk with the
/// network idle (strace -T, build/bench/url). Elsewhere, or where the call fails, nothing changes.
/// </remarks>
internal static class Writeback
{
    /// <summary>Queues the <paramref name="length"/> bytes of <paramref name="file"/> at <paramref name="offset"/> for writing to disk, without waiting.</summary>
    public static void Start(SafeFileHandle file, long offset, long length)
    {
        if (OperatingSystem.IsLinux() && length > 0)
        {
            try
            {
                // A file system without it (ENOSYS, EINVAL) only loses the head start.
                _ = NativeMethods.SyncFileRange(file, offset, length, NativeMethods.SyncFileRangeWrite);
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                // A C library without the call (or named otherwise): the same, a hint lost, never a failed download.
            }
        }
    }
}
