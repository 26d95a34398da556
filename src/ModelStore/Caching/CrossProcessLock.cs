namespace ModelStore.Caching;

/// <summary>
/// An exclusive lock shared by every process on the machine, held as an open lock file.
/// </summary>
/// <remarks>
/// .NET takes an advisory <c>flock</c> for <see cref="FileShare.None"/> on Unix and a share-mode lock on
/// Windows, and the operating system releases it when the process dies, so a crashed build never leaves
/// the lock behind.
/// </remarks>
public sealed class CrossProcessLock : IDisposable
{
    private readonly FileStream _stream;

    private CrossProcessLock(FileStream stream) => _stream = stream;

    /// <summary>Waits until the lock at <paramref name="path"/> is free and takes it.</summary>
    /// <exception cref="TimeoutException">The lock stayed taken for <paramref name="timeout"/>.</exception>
    /// <exception cref="IOException">The lock file cannot be opened at all (a read-only file system, no space, an I/O
    /// error): at once, not after <paramref name="timeout"/>, since waiting cannot help.</exception>
    public static async Task<CrossProcessLock> AcquireAsync(string path, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var deadline = DateTime.UtcNow + timeout;
        var delay = TimeSpan.FromMilliseconds(10);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                return new CrossProcessLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None));
            }
            catch (IOException e) when (!IsHeldElsewhere(e))
            {
                throw Unusable(e);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 250));
            }
            catch (IOException e)
            {
                throw new TimeoutException($"Timed out after {timeout} waiting for the lock '{path}', held by another process.", e);
            }
        }
    }

    /// <summary>Takes the lock at <paramref name="path"/> if it is free now; <see langword="null"/> when another holder has it.</summary>
    public static CrossProcessLock? TryAcquire(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        try
        {
            return new CrossProcessLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None));
        }
        catch (IOException e) when (IsHeldElsewhere(e))
        {
            return null;
        }
        catch (IOException e)
        {
            throw Unusable(e);
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

    // The cause names the path; the task and the CLI add where to choose another cache.
    private static IOException Unusable(IOException e) =>
        new($"The cache's lock file cannot be opened ({e.Message.TrimEnd('.', ' ')}): a cache needs a writable folder, and waiting cannot help.", e);

    /// <summary>Releases the lock.</summary>
    public void Dispose() => _stream.Dispose();
}
