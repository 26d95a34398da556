using System.Diagnostics;
using System.Security.Cryptography;
using ModelStore.IO;

namespace ModelStore.Caching;

/// <summary>What <see cref="StateCache.CheckBlobAsync(string, CacheVerification, CancellationToken)"/> found.</summary>
public enum BlobCondition
{
    /// <summary>No blob has that name.</summary>
    Missing = 1,

    /// <summary>The blob has the SHA-256 it is named after.</summary>
    Valid = 2,

    /// <summary>The blob did not have the SHA-256 it is named after (it was modified on disk), and was deleted.</summary>
    Removed = 3,
}

/// <summary>How a cached blob is checked before it is used (<c>ModelStoreVerify</c>, <c>modelstore --verify</c>).</summary>
public enum CacheVerification
{
    /// <summary>
    /// Hash a blob only when its stamp (device, inode, size, mtime, ctime, recorded when it was last hashed) no longer
    /// matches the file, or it has none; the default.
    /// </summary>
    Stamp = 0,

    /// <summary>Hash every blob, whatever its stamp says (for CI, and <c>modelstore verify</c>).</summary>
    Full = 1,
}

/// <summary>The condition of a blob, its size when valid, and its path.</summary>
/// <param name="Condition">What was found.</param>
/// <param name="Size">The blob's size when <see cref="BlobCondition.Valid"/>, else 0.</param>
/// <param name="Path">Where the blob is (or was).</param>
public sealed record BlobCheck(BlobCondition Condition, long Size, string Path)
{
    /// <summary>Whether the bytes were hashed by this check (<see langword="false"/>: an unchanged stamp vouched for them).</summary>
    public bool Hashed { get; init; }
}

/// <summary>Verification and repair of cached blobs: the one place where the cache deletes a blob because of its bytes.</summary>
public sealed partial class StateCache
{
    /// <summary>
    /// Re-hashes the blob named <paramref name="sha256"/>. A blob is judged by its own name only: one whose bytes no longer
    /// have that hash is deleted (the next fetch replaces it), one that has it is kept, whatever an index entry, a lock
    /// file or a caller claims about its size. A wrong claim is the claim's problem, never a reason to delete valid bytes
    /// that other states and projects share.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="sha256"/> is not 64 hexadecimal digits.</exception>
    public Task<BlobCheck> CheckBlobAsync(string sha256, CancellationToken cancellationToken) =>
        CheckBlobAsync(sha256, CacheVerification.Full, cancellationToken);

    /// <summary>
    /// Checks the blob named <paramref name="sha256"/> as <see cref="CheckBlobAsync(string, CancellationToken)"/> does,
    /// but with <see cref="CacheVerification.Stamp"/> a blob whose stamp still matches the file is not hashed again.
    /// A blob that is hashed and valid gets a fresh stamp.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="sha256"/> is not 64 hexadecimal digits.</exception>
    public async Task<BlobCheck> CheckBlobAsync(string sha256, CacheVerification verification, CancellationToken cancellationToken)
    {
        var hash = NormalizeSha256(sha256);
        var path = GetBlobPath(hash);
        if (!Path.Exists(path))
        {
            // The common answer before a fetch, given by one stat: an exception per missing blob (and per missing stamp)
            // cost a build resolving 1 000 new states 5 000 of them. A blob that goes away after this is still caught below.
            return new BlobCheck(BlobCondition.Missing, 0, path);
        }

        if (verification == CacheVerification.Stamp && ReadStamp(hash) is { } recorded && BlobStamp.Read(path) == recorded)
        {
            return new BlobCheck(BlobCondition.Valid, recorded.Size, path);
        }

        var takenUtc = DateTimeOffset.UtcNow;
        var before = BlobStamp.Read(path);
        long size;
        byte[] actual;
        try
        {
            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan);
            await using (stream.ConfigureAwait(false))
            {
                size = stream.Length;
                actual = await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return new BlobCheck(BlobCondition.Missing, 0, path);
        }

        if (string.Equals(Convert.ToHexStringLower(actual), hash, StringComparison.Ordinal))
        {
            // Stamped only when nothing changed while hashing and the last change is not so recent that a write in the
            // same clock tick could hide behind it (then the next check hashes again).
            if (before is { } stamp && stamp.Size == size && !stamp.IsRacy(takenUtc, StampRacyWindow) && BlobStamp.Read(path) == stamp)
            {
                WriteStamp(hash, stamp);
            }
            else
            {
                DeleteStamp(hash);
            }

            return new BlobCheck(BlobCondition.Valid, size, path) { Hashed = true };
        }

        DeleteStamp(hash);
        DropBundlesSharing(path);
        File.Delete(path);
        return new BlobCheck(BlobCondition.Removed, 0, path) { Hashed = true };
    }

    /// <summary>
    /// Moves bytes this process wrote and hashed (in tmp/, under the state's lock) to their blob name, and stamps a large
    /// blob once the file system's clock has left the tick of its last change (<see cref="StampPlacedBlobAsync"/>), so the
    /// next resolution does not hash bytes that were hashed on their way in. A small blob gets no stamp yet (hashing it
    /// again costs less than waiting for the clock): the first check hashes it once more and stamps it then (see
    /// <see cref="BlobStamp.IsRacy"/>).
    /// </summary>
    /// <remarks>
    /// A blob already there is kept when it hashes to its name, and the new bytes are dropped: another
    /// state or bundle file with the same bytes, fetched at the same time under its own lock, placed it first, and a bundle
    /// folder may already link to it. Replacing it would drop that folder under a reader that was just given its path.
    /// Only a blob that fails its hash is replaced (a stamp is not enough to keep it over bytes just verified), and the
    /// bundles linking to its inode go with it. The hash is paid only when two fetches of the same bytes meet.
    /// </remarks>
    private async Task PlaceBlobAsync(string temporaryPath, string sha256, CancellationToken cancellationToken)
    {
        var blob = GetBlobPath(sha256);
        Folder.Ensure(Path.GetDirectoryName(blob)!);
        if (File.Exists(blob) && (await CheckBlobAsync(sha256, CacheVerification.Full, cancellationToken).ConfigureAwait(false)).Condition == BlobCondition.Valid)
        {
            AtomicFile.Discard(temporaryPath);
            return;
        }

        DropBundlesSharing(blob);
        File.Move(temporaryPath, blob, overwrite: true);
        DeleteStamp(sha256);
        await StampPlacedBlobAsync(sha256, blob, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stamps a blob just placed from bytes this process hashed as they were written. A stamp is only sound once a later
    /// write would give the file another ctime: timestamps come from a coarse clock, and a write in the same tick as the
    /// last change could keep it. So this reads the file system's own clock (the mtime of a file it creates next to the
    /// stamps) until it has passed the blob's ctime, then stats the blob again: unchanged, that stat is recorded. From
    /// then on any write, truncate, chmod or link sets a ctime at or after the clock read, which the stamp does not match.
    /// </summary>
    /// <remarks>
    /// The wait is one clock tick (a few milliseconds here); on a file system whose clock does not pass within
    /// <see cref="StampClockWait"/> (one-second timestamps) there is no stamp, and the first check hashes as before.
    /// </remarks>
    private async Task StampPlacedBlobAsync(string sha256, string blob, CancellationToken cancellationToken)
    {
        if (BlobStamp.Read(blob) is not { } placed || placed.Size < FreshStampMinimumSize)
        {
            return;
        }

        var probe = Path.Combine(Root, "stamps", $"clock.{Environment.ProcessId}.{Guid.NewGuid():N}{AtomicFile.PartialSuffix}");
        var deadline = Stopwatch.GetTimestamp() + (long)(StampClockWait.TotalSeconds * Stopwatch.Frequency);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(probe)!);
            while (true)
            {
                // Creating (or truncating) the probe sets its mtime from the same clock that sets the blob's ctime.
                using (new FileStream(probe, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None))
                {
                }

                if (BlobStamp.Read(probe) is not { } clock)
                {
                    return;
                }

                if (clock.ModifiedNs > placed.ChangedNs)
                {
                    break;
                }

                if (Stopwatch.GetTimestamp() > deadline)
                {
                    return;
                }

                await Task.Delay(1, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return; // No stamp: the blob is hashed next time; the cache still works.
        }
        finally
        {
            AtomicFile.Discard(probe);
        }

        if (BlobStamp.Read(blob) == placed)
        {
            WriteStamp(sha256, placed);
        }
    }

    /// <summary>The size from which a placed blob is stamped at once rather than hashed by its first check (lowered by tests).</summary>
    internal long FreshStampMinimumSize { get; init; } = 8 << 20;

    /// <summary>How long <see cref="StampPlacedBlobAsync"/> waits at most for the file system's clock to pass a blob's last change.</summary>
    internal static readonly TimeSpan StampClockWait = TimeSpan.FromMilliseconds(50);

    /// <summary>How recent a blob's last change may be for a hash of it to be stamped (shortened by tests).</summary>
    internal TimeSpan StampRacyWindow { get; init; } = BlobStamp.RacyWindow;

    private string GetStampPath(string sha256) => Path.Combine(Root, "stamps", "sha256", sha256[..2], sha256);

    // A stamp is a hint that can only skip a hash for a file it matches: one that cannot be read is no stamp.
    private BlobStamp? ReadStamp(string sha256)
    {
        var path = GetStampPath(sha256);
        if (!File.Exists(path))
        {
            return null; // a small blob is stamped at its first check, not when placed: no exception for that
        }

        try
        {
            using var handle = File.OpenHandle(path);
            Span<byte> text = stackalloc byte[256];
            var read = RandomAccess.Read(handle, text, 0);
            return BlobStamp.Parse(text[..read]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    // Not flushed to disk: a stamp lost in a crash only costs one more hash.
    private void WriteStamp(string sha256, BlobStamp stamp)
    {
        var path = GetStampPath(sha256);
        var temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}{AtomicFile.PartialSuffix}";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(temporary, stamp.Format());
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Without a stamp the blob is hashed next time; the cache still works.
            AtomicFile.Discard(temporary);
        }
    }

    private void DeleteStamp(string sha256)
    {
        var path = GetStampPath(sha256);
        if (!File.Exists(path))
        {
            return; // the usual case for a blob just placed; File.Delete throws when the stamp's folder does not exist
        }

        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A stamp left behind matches no other file (another inode or ctime), so it vouches for nothing.
        }
    }
}
