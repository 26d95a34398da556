using Microsoft.Win32.SafeHandles;

namespace ModelStore.IO;

/// <summary>
/// Opens the cache's working files (partial downloads, their journals) without following a symbolic link planted at
/// their fixed names: a link found there is removed (the link, never its target) and a missing file is created with
/// <c>O_CREAT | O_EXCL</c> (<see cref="FileMode.CreateNew"/>), which the system refuses to do through a link. So a
/// link at <c>tmp/&lt;stem&gt;.partial</c> cannot make a pull overwrite the file it points to.
/// </summary>
internal static class LinkSafeFile
{
    /// <summary>Opens <paramref name="path"/> as <see cref="File.OpenHandle"/> does, never through a symbolic link.</summary>
    public static SafeFileHandle OpenHandle(string path, FileMode mode, FileAccess access, FileShare share, FileOptions options = FileOptions.None)
    {
        for (var attempt = 0; ; attempt++)
        {
            RemoveLink(path);
            if (mode is FileMode.Create or FileMode.OpenOrCreate or FileMode.CreateNew && !File.Exists(path))
            {
                try
                {
                    return File.OpenHandle(path, FileMode.CreateNew, access, share, options);
                }
                catch (IOException) when (mode != FileMode.CreateNew && attempt < 3)
                {
                    // Something appeared at the name meanwhile: look at it again.
                    continue;
                }
            }

            return File.OpenHandle(path, mode, access, share, options);
        }
    }

    /// <summary>As <see cref="OpenHandle"/>, as a stream.</summary>
    public static FileStream Open(string path, FileMode mode, FileAccess access, FileShare share, int bufferSize, FileOptions options = FileOptions.None) =>
        new(OpenHandle(path, mode, access, share, options), access, bufferSize, (options & FileOptions.Asynchronous) != 0);

    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/>, replacing a file there, never writing through a link.</summary>
    /// <remarks>Synchronous: a small file's write goes to the page cache at once, without a hop to the thread pool.</remarks>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> content)
    {
        using var handle = OpenHandle(path, FileMode.Create, FileAccess.Write, FileShare.None);
        RandomAccess.Write(handle, content, 0);
    }

    private static void RemoveLink(string path)
    {
        if (new FileInfo(path).LinkTarget is not null)
        {
            File.Delete(path);
        }
    }
}
