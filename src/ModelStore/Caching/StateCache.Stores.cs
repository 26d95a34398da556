using ModelStore.IO;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Caching;

/// <summary>
/// Fetching straight from a store, using the store's faster, resumable file download when it offers one
/// (<see cref="IFileDownloadingStore"/>, for example the S3 store's parallel ranged GETs).
/// </summary>
public sealed partial class StateCache
{
    /// <summary>The suffix of a resumable download in progress in the cache's <c>tmp/</c> folder.</summary>
    public const string DownloadSuffix = ".download" + AtomicFile.PartialSuffix;

    /// <summary>
    /// Returns the cached state for (<paramref name="store"/>, <paramref name="key"/>), fetching it when it is missing,
    /// like <see cref="GetOrFetchAsync(string, StateKey, Func{CancellationToken, Task{Stream}}, string?, IProgress{long}?, CancellationToken)"/>.
    /// A file-downloading store downloads into <c>tmp/</c> under a name fixed by (store, key), so a fetch interrupted by
    /// a crash or a cancellation resumes where it stopped; the store hashes it as it completes and it is renamed into the blobs
    /// (no second copy, no second pass). Other stores are read through <see cref="IStateStore.OpenReadAsync"/>.
    /// </summary>
    /// <exception cref="StateStoreException"><see cref="StateStoreError.IntegrityMismatch"/> when the bytes do not match <paramref name="expectedSha256"/>.</exception>
    public Task<CachedState> GetOrFetchAsync(IStateStore store, StateKey key, string? expectedSha256 = null, IProgress<long>? progress = null, CancellationToken cancellationToken = default) =>
        GetOrFetchAsync(store, key, expectedSha256, expectedSize: null, progress, cancellationToken);

    /// <summary>The fetch of <see cref="GetOrFetchAsync(IStateStore, StateKey, string?, IProgress{long}?, CancellationToken)"/>, taking a small state (<paramref name="expectedSize"/> known and small) by the small path.</summary>
    internal async Task<CachedState> GetOrFetchAsync(IStateStore store, StateKey key, string? expectedSha256, long? expectedSize, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(key);
        if (store is not IFileDownloadingStore downloading || (IsSmall(expectedSha256, expectedSize) && !downloading.DownloadsEveryState))
        {
            return await GetOrFetchSmallAsync(store, key, expectedSha256, expectedSize, progress, cancellationToken).ConfigureAwait(false);
        }

        return await GetOrFetchCoreAsync(
            store.Id,
            key,
            expectedSha256,
            async token =>
            {
                var path = GetDownloadPath(store.Id, key);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                FileDownload download;
                using (Downloads.ChunkedDownloader.KeepCompletedJournals())
                {
                    download = await downloading.DownloadToFileAsync(key, path, progress, token).ConfigureAwait(false);
                }

                var state = await InsertDownloadedLockedAsync(store.Id, key, path, download, expectedSha256, token).ConfigureAwait(false);

                // Only now: a kill before this line finds the complete journal and re-hashes instead of downloading again.
                Downloads.ChunkedDownloader.DiscardJournal(path);
                return state;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Where a resumable download of (store, key) lives while it is in progress: one fixed name, so a new fetch adopts
    /// (or replaces) what an interrupted one left. Stores may keep files of their own beside it whose names start with it.
    /// </summary>
    public string GetDownloadPath(string storeId, StateKey key)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(storeId);
        ArgumentNullException.ThrowIfNull(key);
        return Path.Combine(Root, "tmp", StateStem(storeId, key) + DownloadSuffix);
    }

    /// <summary>
    /// Deletes the files in <c>tmp/</c> that no live process is working on: partial downloads left by a fetch that was
    /// killed or failed, their journals, and older temporary files. A file belongs to a state's fetch by its name; it is
    /// deleted only while this call holds that state's lock (an OS file lock, freed when a process dies), so a running
    /// fetch keeps its files, whatever their age. Returns the bytes freed.
    /// </summary>
    public long RemoveAbandonedDownloads()
    {
        var tmp = Path.Combine(Root, "tmp");
        if (!Directory.Exists(tmp))
        {
            return 0;
        }

        long freed = 0;
        foreach (var group in Directory.EnumerateFiles(tmp).GroupBy(StemOf, StringComparer.Ordinal))
        {
            if (group.Key is { } stem)
            {
                using var held = CrossProcessLock.TryAcquire(GetLockPath(stem), createFile: false);
                if (held is null)
                {
                    continue; // A live fetch holds the state.
                }

                foreach (var file in group)
                {
                    freed += Delete(file);
                }
            }
            else
            {
                // Not named after a state (an older version's temporary file): gone unless a process has it open.
                foreach (var file in group.Where(file => !IsOpenElsewhere(file)))
                {
                    freed += Delete(file);
                }
            }
        }

        return freed;

        static long Delete(string file)
        {
            var length = new FileInfo(file) is { Exists: true } info ? info.Length : 0;
            AtomicFile.Discard(file);
            return File.Exists(file) ? 0 : length;
        }
    }

    // The state stem a tmp/ file name starts with (16 hex digits, then a dot), or null.
    private static string? StemOf(string path)
    {
        var name = Path.GetFileName(path);
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        return dot == 16 && name.AsSpan(0, 16).IndexOfAnyExcept("0123456789abcdef") < 0 ? name[..16] : null;
    }

    // .NET takes an OS file lock on every file it opens (shared for readers and sharing writers, exclusive for FileShare.None),
    // so an exclusive open fails while another .NET process has the file open.
    private static bool IsOpenElsewhere(string path)
    {
        try
        {
            using var probe = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1);
            return false;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            return true;
        }
    }

    // The store hashed the file's bytes as the download completed: no second pass over the file.
    private async Task<CachedState> InsertDownloadedLockedAsync(string storeId, StateKey key, string path, FileDownload download, string? expectedSha256, CancellationToken cancellationToken)
    {
        var actual = NormalizeSha256(download.Sha256);
        var size = new FileInfo(path).Length;
        if (size != download.Size)
        {
            AtomicFile.Discard(path);
            Downloads.ChunkedDownloader.DiscardJournal(path);
            throw new StateStoreException(StateStoreError.IntegrityMismatch, $"State {key} from {storeId}: the download has {size} bytes, but the store reported {download.Size}. It was discarded.", key);
        }

        if (expectedSha256 is not null && !string.Equals(NormalizeSha256(expectedSha256), actual, StringComparison.Ordinal))
        {
            AtomicFile.Discard(path);
            Downloads.ChunkedDownloader.DiscardJournal(path);
            throw new StateStoreException(
                StateStoreError.IntegrityMismatch,
                $"State {key} from {storeId} has SHA-256 {actual} ({size} bytes), but {NormalizeSha256(expectedSha256)} was expected. The download was discarded.",
                key);
        }

        using (var written = LinkSafeFile.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read))
        {
            RandomAccess.FlushToDisk(written);
        }

        // The store hashed every byte of the file as it completed; only the transferred ones came over the wire.
        CountTransfer(storeId, downloaded: download.BytesTransferred, verified: download.Size);

        await ProofHooks.PauseAsync(ProofHooks.BeforeCommit, cancellationToken).ConfigureAwait(false);

        // The index first, then the blob: an entry whose blob is not there yet reads as a miss, and a process killed between
        // the two still has the downloaded file and its complete journal, so the next fetch only re-hashes it.
        var state = await IndexAsync(storeId, key, actual, size, cancellationToken).ConfigureAwait(false);
        await PlaceBlobAsync(path, actual, cancellationToken).ConfigureAwait(false);
        return state;
    }
}
