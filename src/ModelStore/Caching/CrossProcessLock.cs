using System.Runtime.InteropServices;
using ModelStore.IO;
using Microsoft.Win32.SafeHandles;

namespace ModelStore.Caching;

/// <summary>
/// An exclusive lock shared by every process on the machine, named by a path.
/// </summary>
/// <remarks>
/// <para>
/// On Linux the lock is first one byte of a file shared by every lock of the folder (<c>{folder}/.ranges</c>), at an
/// offset taken from the lock's file name, held with an open file description lock (<c>fcntl(F_OFD_SETLK)</c>). Two
/// handles in one process exclude each other as two processes do, and the kernel releases the lock when its holder
/// closes the file or dies. Two names share a byte only if their 62-bit hashes collide, and then they only wait for each
/// other. A file system without such locks (<c>EINVAL</c>, <c>ENOLCK</c>, <c>EOPNOTSUPP</c>: some network and FUSE file
/// systems) gets the lock file alone, as elsewhere.
/// </para>
/// <para>
/// Then, and elsewhere, the lock file at the path, created if needed and held open: .NET takes an advisory <c>flock</c>
/// for <see cref="FileShare.None"/> on Unix and a share-mode lock on Windows, which the operating system also releases
/// when the process dies, so a crashed build never leaves the lock behind. Versions before the range lock took that file
/// only, so holding both keeps them out.
/// </para>
/// <para>
/// A caller that can afford to meet such a version unlocked asks for the range alone (<c>createFile: false</c>, the
/// cache's small states, under 8 MiB): no file is created, which is what a cold fetch of many small states paid most
/// for (build/bench/many, 1 000 × 64 KB from radosgw: 3.23 s with a lock file each, 2.76 s without), and a lock file
/// that is already there (an earlier version fetched the state once) is still taken. An earlier version fetching the
/// same small state at the same moment, for the first time, is the one case not kept out: the two then collide on the
/// state's partial file, which fails one fetch or both, or leaves a blob with other bytes that the next check hashes
/// (small blobs get no stamp) and fetches again.
/// </para>
/// </remarks>
public sealed class CrossProcessLock : IDisposable
{
    /// <summary>The file in each lock folder that holds the byte-range locks (Linux).</summary>
    internal const string RangeFileName = ".ranges";

    private readonly SafeFileHandle? _range;
    private readonly FileStream? _file;

    private CrossProcessLock(SafeFileHandle? range, FileStream? file)
    {
        _range = range;
        _file = file;
    }

    /// <summary>Waits until the lock at <paramref name="path"/> is free and takes it.</summary>
    /// <exception cref="TimeoutException">The lock stayed taken for <paramref name="timeout"/>.</exception>
    /// <exception cref="IOException">The lock file cannot be opened at all (a read-only file system, no space, an I/O
    /// error): at once, not after <paramref name="timeout"/>, since waiting cannot help.</exception>
    public static Task<CrossProcessLock> AcquireAsync(string path, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        AcquireAsync(path, timeout, createFile: true, cancellationToken);

    /// <summary>
    /// <see cref="AcquireAsync(string, TimeSpan, CancellationToken)"/>; with <paramref name="createFile"/> false, on Linux,
    /// no lock file is created (only the range is taken, and a lock file that is already there).
    /// </summary>
    internal static async Task<CrossProcessLock> AcquireAsync(string path, TimeSpan timeout, bool createFile, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        var delay = TimeSpan.FromMilliseconds(10);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (TryAcquire(path, createFile) is { } held)
            {
                return held;
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"Timed out after {timeout} waiting for the lock '{path}', held by another process.");
            }

            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 250));
        }
    }

    /// <summary>Takes the lock at <paramref name="path"/> if it is free now; <see langword="null"/> when another holder has it.</summary>
    /// <exception cref="IOException">The lock file cannot be opened at all (see <see cref="AcquireAsync(string, TimeSpan, CancellationToken)"/>).</exception>
    public static CrossProcessLock? TryAcquire(string path) => TryAcquire(path, createFile: true);

    /// <summary>
    /// <see cref="TryAcquire(string)"/>; with <paramref name="createFile"/> false, on Linux, no lock file is created (only
    /// the range is taken, and a lock file that is already there).
    /// </summary>
    internal static CrossProcessLock? TryAcquire(string path, bool createFile)
    {
        var fullPath = Path.GetFullPath(path);
        try
        {
            Folder.Ensure(Path.GetDirectoryName(fullPath)!);
            SafeFileHandle? range = null;
            if (OperatingSystem.IsLinux() && TryAcquireRange(fullPath, out range) == false)
            {
                return null;
            }

            // Without a range lock (another system, or a file system without such locks) the lock file is the lock.
            createFile |= range is null;

            // The lock file: created (what earlier versions wait for) unless asked not to, and then still taken when it is
            // there (an earlier version may hold it).
            try
            {
                if (TryHoldFile(fullPath, createFile, out var file))
                {
                    return new CrossProcessLock(range, file);
                }
            }
            catch
            {
                range?.Dispose();
                throw;
            }

            range?.Dispose();
            return null;
        }
        catch (IOException e) when (IsHeldElsewhere(e))
        {
            return null;
        }
        catch (IOException e)
        {
            throw Unusable(fullPath, e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw Unusable(fullPath, new IOException(e.Message, e));
        }
    }

    /// <summary>
    /// Whether opening the lock file failed because another holder has it: on Unix the <c>flock</c> refusal
    /// (<c>EWOULDBLOCK</c>, which .NET puts in <see cref="Exception.HResult"/>), on Windows a sharing or lock violation.
    /// Anything else (<c>EROFS</c>, <c>ENOSPC</c>, <c>EIO</c>...) is no contention and will not pass by waiting.
    /// </summary>
    internal static bool IsHeldElsewhere(IOException exception) =>
        OperatingSystem.IsWindows()
            ? (exception.HResult & 0xFFFF) is 32 or 33 // ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION
            : exception.HResult == (OperatingSystem.IsLinux() ? 11 : 35); // EWOULDBLOCK: 11 on Linux, 35 on macOS and the BSDs

    /// <summary>The byte of <see cref="RangeFileName"/> that stands for the lock file <paramref name="fileName"/>.</summary>
    internal static long RangeOffset(string fileName)
    {
        Span<byte> hash = stackalloc byte[32];
        System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(fileName), hash);
        return (long)(System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(hash) >> 2); // 62 bits: a non-negative offset far below off_t's limit
    }

    /// <summary>Releases the lock.</summary>
    public void Dispose()
    {
        _file?.Dispose();
        _range?.Dispose();
    }

    // true with the held range, false when another holder has it, null when the file system has no such locks (or the
    // C library no fcntl): the caller then takes the lock file itself. Any other error is the cache's folder failing.
    private static bool? TryAcquireRange(string fullPath, out SafeFileHandle? held)
    {
        held = null;
        // FileShare.ReadWrite: .NET then takes only a shared flock, which no holder of this file ever conflicts with.
        var file = File.OpenHandle(Path.Combine(Path.GetDirectoryName(fullPath)!, RangeFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite);
        try
        {
            var range = new NativeMethods.FileRangeLock
            {
                Type = NativeMethods.FcntlWriteLock,
                Whence = 0, // SEEK_SET
                Start = RangeOffset(Path.GetFileName(fullPath)),
                Length = 1,
            };
            if (NativeMethods.FcntlLock(file, NativeMethods.FcntlOfdSetLock, ref range) == 0)
            {
                held = file;
                return true;
            }

            var errno = Marshal.GetLastPInvokeError();
            return errno switch
            {
                NativeMethods.EAGAIN or NativeMethods.EACCES => false,
                NativeMethods.EINVAL or NativeMethods.ENOLCK or NativeMethods.ENOSYS or NativeMethods.EOPNOTSUPP => null,
                _ => throw new IOException($"The lock in '{fullPath}' cannot be taken (errno {errno}).", errno),
            };
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
        finally
        {
            if (held is null)
            {
                file.Dispose();
            }
        }
    }

    // false when the lock file is held by another process; true otherwise, with the file held (FileShare.None: its flock),
    // or nothing when it is not there and createFile is false.
    private static bool TryHoldFile(string fullPath, bool createFile, out FileStream? file)
    {
        file = null;
        if (!createFile && !File.Exists(fullPath))
        {
            return true;
        }

        try
        {
            file = new FileStream(fullPath, createFile ? FileMode.OpenOrCreate : FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            return true;
        }
        catch (FileNotFoundException)
        {
            return true;
        }
        catch (IOException e) when (IsHeldElsewhere(e))
        {
            return false;
        }
    }

    // The cause names the path; the task and the CLI add where to choose another cache.
    private static IOException Unusable(string path, IOException e) =>
        new($"The cache's lock file cannot be opened ({e.Message.TrimEnd('.', ' ')}): a cache needs a writable folder, and waiting cannot help. Lock: '{path}'.", e);
}
