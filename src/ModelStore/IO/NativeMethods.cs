using System.Runtime.InteropServices;

namespace ModelStore.IO;

internal static partial class NativeMethods
{
    internal const int EEXIST = 17;

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

    // fallocate(2) (Linux): mode 0 reserves the blocks of the range and grows the file to cover it.
    [LibraryImport("libc", EntryPoint = "fallocate", SetLastError = true)]
    internal static partial int Fallocate(SafeHandle file, int mode, long offset, long length);
}
