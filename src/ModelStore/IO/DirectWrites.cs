using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ModelStore.IO;

/// <summary>
/// Writes the whole blocks of a download's segments around the page cache (<c>O_DIRECT</c>, Linux): the disk takes them
/// from the writer's buffer, so the kernel neither allocates page-cache pages for them nor copies the bytes into those
/// pages. Partial blocks (the object's last one, the ends of a segment cut by a failed read or resumed inside a block)
/// go through the ordinary handle; the kernel keeps the two views of the file coherent.
/// </summary>
/// <remarks>
/// Why: in a 1 GiB pull from radosgw the copy into the page cache (<c>copy_folio_from_iter_atomic</c>) was 27 % of the
/// pull's CPU samples (<c>perf</c>), more than the SHA-256; a direct write of the same bytes costs a fraction of that
/// (<c>dd oflag=direct</c> against <c>dd</c>: 0.15 s against 0.9-2.1 s of system time per GiB on this machine). The
/// bytes must reach the disk before the cache's <c>fsync</c> returns in either case, so nothing is lost but the copy
/// left in memory: the first load after a pull reads the blob from the disk, and so does the rare hash read-back of
/// <see cref="Downloads.OrderedHasher"/>.
/// A file system that refuses direct I/O (at the open, or at a write: <c>EINVAL</c> for an alignment it does not take)
/// makes the download go on through the ordinary handle, never fail.
/// </remarks>
internal sealed partial class DirectWrites : IDisposable
{
    /// <summary>The offset, length and memory alignment of a direct write: the page size, which every Linux block device's logical block divides.</summary>
    public const int Alignment = 4096;

    private const int OpenWriteOnly = 0x1; // O_WRONLY
    private const int OpenCloseOnExec = 0x80000; // O_CLOEXEC

    private readonly SafeFileHandle _direct;
    private volatile bool _refused;

    private DirectWrites(SafeFileHandle direct) => _direct = direct;

    /// <summary>Direct writes through <paramref name="direct"/>, a handle the caller opened (tests: one that refuses writes).</summary>
    internal static DirectWrites Over(SafeFileHandle direct) => new(direct);

    /// <summary>The direct handle.</summary>
    internal SafeFileHandle Handle => _direct;

    /// <summary>Whether every direct write so far was taken (one refused write sends the rest through the page cache).</summary>
    public bool Active => !_refused;

    /// <summary>
    /// A second, direct handle on the file <paramref name="file"/> has open (the same inode, through <c>/proc/self/fd</c>,
    /// never the path again), or null where direct writes are not to be had: another OS, no <c>/proc</c>, a file
    /// system without <c>O_DIRECT</c>.
    /// </summary>
    public static DirectWrites? TryOpen(SafeFileHandle file)
    {
        if (!OperatingSystem.IsLinux() || DirectFlag() is not { } direct)
        {
            return null;
        }

        var added = false;
        try
        {
            file.DangerousAddRef(ref added);
            var fd = OpenFile($"/proc/self/fd/{file.DangerousGetHandle()}", OpenWriteOnly | direct | OpenCloseOnExec);
            return fd < 0 ? null : new DirectWrites(new SafeFileHandle(fd, ownsHandle: true));
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
        finally
        {
            if (added)
            {
                file.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Writes <paramref name="bytes"/> at <paramref name="offset"/> of the file: the whole blocks directly, when their
    /// memory is aligned as their offset is (see <see cref="Misalignment"/>), and the partial blocks at either end (or
    /// everything, when the memory is not so aligned) through <paramref name="file"/>, the ordinary handle.
    /// </summary>
    public static void Write(DirectWrites? direct, SafeFileHandle file, ReadOnlySpan<byte> bytes, long offset)
    {
        if (direct is { Active: true })
        {
            var head = (Alignment - Misalignment(offset)) % Alignment;
            var blocks = head < bytes.Length ? (bytes.Length - head) / Alignment * Alignment : 0;
            if (blocks > 0 && IsAligned(bytes[head..]) && direct.TryWrite(bytes.Slice(head, blocks), offset + head))
            {
                RandomAccess.Write(file, bytes[..head], offset);
                RandomAccess.Write(file, bytes[(head + blocks)..], offset + head + blocks);
                return;
            }
        }

        RandomAccess.Write(file, bytes, offset);
    }

    /// <summary>
    /// How far <paramref name="offset"/> is past a block boundary: a segment received for that offset into memory this
    /// far past an aligned start has its whole blocks aligned in memory as in the file.
    /// </summary>
    public static int Misalignment(long offset) => (int)(offset % Alignment);

    /// <summary>Pinned memory of <paramref name="length"/> bytes that starts at an <see cref="Alignment"/> boundary.</summary>
    public static unsafe ArraySegment<byte> AllocateAligned(int length)
    {
        var array = GC.AllocateUninitializedArray<byte>(length + Alignment, pinned: true);
        fixed (byte* start = array)
        {
            var skip = (int)((Alignment - ((nuint)start % Alignment)) % Alignment);
            return new ArraySegment<byte>(array, skip, length);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _direct.Dispose();

    private static unsafe bool IsAligned(ReadOnlySpan<byte> bytes)
    {
        fixed (byte* start = bytes)
        {
            return (nuint)start % Alignment == 0;
        }
    }

    private bool TryWrite(ReadOnlySpan<byte> bytes, long offset)
    {
        try
        {
            RandomAccess.Write(_direct, bytes, offset);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Refused (an alignment the file system does not take) or failed: the ordinary handle writes the same bytes
            // again at the same offset, and reports a failure that is real; the rest of the download goes that way too.
            _refused = true;
            return false;
        }
    }

    // O_DIRECT differs between architectures (x86 and most others 0x4000; arm and arm64 0x10000).
    private static int? DirectFlag() => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 or Architecture.X86 => 0x4000,
        Architecture.Arm64 or Architecture.Arm => 0x10000,
        _ => null,
    };

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenFile(string path, int flags);
}
