using System.Runtime.InteropServices;

namespace ModelStore.IO;

internal static partial class NativeMethods
{
    internal const int EEXIST = 17;

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Link(string oldPath, string newPath);

    // statx(2) (Linux, glibc 2.28+): unlike stat(2), its struct has one layout on every architecture.
    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial int Statx(int directoryFd, string path, int flags, uint mask, byte* buffer);
}
