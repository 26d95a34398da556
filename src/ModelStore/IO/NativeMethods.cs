using System.Runtime.InteropServices;

namespace ModelStore.IO;

internal static partial class NativeMethods
{
    internal const int EEXIST = 17;
    internal const int EFBIG = 27;
    internal const int ENOSPC = 28;
    internal const int EDQUOT = 122;

    // fallocate(2) modes: 0 reserves (and grows the file); PUNCH_HOLE | KEEP_SIZE gives a range's blocks back.
    internal const int FallocateReserve = 0;
    internal const int FallocatePunchHole = 0x02 | 0x01;

    // fcntl(2) open file description locks (Linux 3.15+): owned by the open file, not the process, so two handles in one
    // process exclude each other as two processes do, and closing the handle releases the lock.
    internal const int FcntlOfdSetLock = 37; // F_OFD_SETLK
    internal const short FcntlWriteLock = 1; // F_WRLCK
    internal const int EACCES = 13;
    internal const int EAGAIN = 11;
    internal const int EINVAL = 22;
    internal const int ENOLCK = 37;
    internal const int ENOSYS = 38;
    internal const int EOPNOTSUPP = 95;

    // struct flock on every Linux architecture .NET runs on (short, short, off_t, off_t, pid_t; 32 bytes).
    [StructLayout(LayoutKind.Sequential)]
    internal struct FileRangeLock
    {
        public short Type;
        public short Whence;
        public long Start;
        public long Length;
        public int Pid;
    }

    // sync_file_range(2) flag: start writing the range's dirty pages, without waiting for them.
    internal const uint SyncFileRangeWrite = 2;

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Link(string oldPath, string newPath);

    // statx(2) (Linux, glibc 2.28+): unlike stat(2), its struct has one layout on every architecture.
    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial int Statx(int directoryFd, string path, int flags, uint mask, byte* buffer);

    // sync_file_range(2) (Linux): off64_t offsets on every glibc architecture that has it.
    [LibraryImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    internal static partial int SyncFileRange(SafeHandle file, long offset, long length, uint flags);

    // fcntl(2) with a struct flock argument (F_OFD_SETLK).
    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    internal static partial int FcntlLock(SafeHandle file, int command, ref FileRangeLock range);

    // fallocate(2) (Linux): see the modes above.
    [LibraryImport("libc", EntryPoint = "fallocate", SetLastError = true)]
    internal static partial int Fallocate(SafeHandle file, int mode, long offset, long length);
}
