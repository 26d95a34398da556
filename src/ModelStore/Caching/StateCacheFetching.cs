using System.Security.Cryptography;
using System.Text;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Caching;

/// <summary>
/// Fetching into the cache straight from a store, using the store's faster, resumable file download when it
/// offers one (<see cref="IFileDownloadingStore"/>, for example the S3 store's parallel ranged GETs).
/// </summary>
public static class StateCacheFetching
{
    /// <summary>The suffix of a download in progress in the cache's <c>tmp/</c> folder.</summary>
    public const string DownloadSuffix = ".download.partial";

    /// <summary>
    /// <see cref="StateCache.GetOrFetchAsync"/> from <paramref name="store"/>: a file-downloading store downloads into
    /// the cache's <c>tmp/</c> folder under a name fixed by (store, key), so a fetch interrupted by a crash or a
    /// cancellation resumes where it stopped; other stores are read through <see cref="IStateStore.OpenReadAsync"/>.
    /// </summary>
    /// <exception cref="StateStoreException"><see cref="StateStoreError.IntegrityMismatch"/> when the bytes do not match <paramref name="expectedSha256"/>.</exception>
    public static Task<CachedState> GetOrFetchAsync(this StateCache cache, IStateStore store, StateKey key, string? expectedSha256 = null, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(key);
        return store is IFileDownloadingStore
            ? cache.GetOrFetchAsync(store.Id, key, token => cache.OpenFromStoreAsync(store, key, progress, token), expectedSha256, null, cancellationToken)
            : cache.GetOrFetchAsync(store.Id, key, token => store.OpenReadAsync(key, token), expectedSha256, progress, cancellationToken);
    }

    /// <summary>
    /// Opens a state for <see cref="StateCache.GetOrFetchAsync"/>'s <c>open</c> callback (which runs under the cache's
    /// lock): a file-downloading store first downloads, resumably, into the cache's <c>tmp/</c> folder and the returned
    /// stream reads that file (deleted when the stream closes); other stores open their stream as usual.
    /// </summary>
    /// <param name="cache">The cache the state is fetched into.</param>
    /// <param name="store">The store.</param>
    /// <param name="key">The state.</param>
    /// <param name="progress">Receives the bytes downloaded so far (file-downloading stores only).</param>
    /// <param name="cancellationToken">Stops the download; what was downloaded stays for a resume.</param>
    public static async Task<Stream> OpenFromStoreAsync(this StateCache cache, IStateStore store, StateKey key, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(key);
        if (store is not IFileDownloadingStore downloading)
        {
            return await store.OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
        }

        var path = GetDownloadPath(cache, store.Id, key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await downloading.DownloadToFileAsync(key, path, progress, cancellationToken).ConfigureAwait(false);
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan | FileOptions.DeleteOnClose);
    }

    /// <summary>Where a resumable download of (store, key) lives while it is in progress.</summary>
    public static string GetDownloadPath(StateCache cache, string storeId, StateKey key)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentException.ThrowIfNullOrWhiteSpace(storeId);
        ArgumentNullException.ThrowIfNull(key);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{storeId}\n{key}")))[..24];
        return Path.Combine(cache.Root, "tmp", hash + DownloadSuffix);
    }
}
