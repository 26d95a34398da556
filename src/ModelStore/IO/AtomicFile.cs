namespace ModelStore.IO;

/// <summary>
/// Writes files so that readers see either the old content or the whole new content, never a part:
/// bytes go to a hidden temporary file in the destination folder, are flushed to disk, then renamed.
/// </summary>
public static class AtomicFile
{
    /// <summary>The suffix of in-progress files; such files are never valid states.</summary>
    public const string PartialSuffix = ".partial";

    /// <summary>Creates a temporary file beside <paramref name="destination"/> for an atomic write.</summary>
    public static FileStream CreateTemporary(string destination, out string temporaryPath)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(destination))!;
        Folder.Ensure(folder);
        temporaryPath = Path.Combine(folder, $".{Path.GetFileName(destination)}.{Guid.NewGuid():N}{PartialSuffix}");
        return new FileStream(temporaryPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.Asynchronous);
    }

    /// <summary>
    /// Flushes and closes <paramref name="temporary"/>, then moves it to <paramref name="destination"/>.
    /// Without <paramref name="overwrite"/> the move fails with <see cref="IOException"/> if the destination exists
    /// (checked atomically by the file system, so two writers cannot both win).
    /// </summary>
    public static async Task CommitAsync(FileStream temporary, string temporaryPath, string destination, bool overwrite)
    {
        ArgumentNullException.ThrowIfNull(temporary);
        await temporary.FlushAsync().ConfigureAwait(false);
        temporary.Flush(flushToDisk: true);
        await temporary.DisposeAsync().ConfigureAwait(false);
        if (overwrite)
        {
            File.Move(temporaryPath, destination, overwrite: true);
        }
        else
        {
            MoveNoReplace(temporaryPath, destination);
        }
    }

    /// <summary>
    /// Moves a file to a destination that must not exist, atomically: of two concurrent callers one wins and
    /// the other gets an <see cref="IOException"/>.
    /// </summary>
    /// <remarks>
    /// On Unix, <see cref="File.Move(string, string, bool)"/> checks for the destination and then renames, which
    /// races; <c>link(2)</c> fails with EEXIST atomically instead. Windows' MoveFileEx without
    /// MOVEFILE_REPLACE_EXISTING is already atomic.
    /// </remarks>
    public static void MoveNoReplace(string source, string destination)
    {
        if (OperatingSystem.IsWindows())
        {
            File.Move(source, destination, overwrite: false);
            return;
        }

        if (NativeMethods.Link(source, destination) == 0)
        {
            File.Delete(source);
            return;
        }

        var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
        if (errno == NativeMethods.EEXIST)
        {
            throw new IOException($"The file '{destination}' already exists.");
        }

        // File systems without hard links (EPERM, ENOTSUP...): fall back to the check-then-rename move.
        File.Move(source, destination, overwrite: false);
    }

    /// <summary>Deletes a temporary file, ignoring a file that is already gone.</summary>
    public static void Discard(string temporaryPath)
    {
        try
        {
            File.Delete(temporaryPath);
        }
        catch (IOException)
        {
            // Best effort: a leftover .partial file is ignored by every reader.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Writes <paramref name="content"/> to <paramref name="destination"/> atomically.</summary>
    public static async Task WriteAllBytesAsync(string destination, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        var stream = CreateTemporary(destination, out var temporaryPath);
        try
        {
            await stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
            await CommitAsync(stream, temporaryPath, destination, overwrite: true).ConfigureAwait(false);
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            Discard(temporaryPath);
            throw;
        }
    }
}
