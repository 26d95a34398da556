using System.Runtime.InteropServices;

namespace ModelStore.IO;

internal static partial class NativeMethods
{
    internal const int EEXIST = 17;

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Link(string oldPath, string newPath);
}
