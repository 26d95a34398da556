using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Caching;

/// <summary>Adding a state from a copy another program keeps on this machine (<see cref="ILocalCopyStore"/>): no request, the same checks.</summary>
public sealed partial class StateCache
{
    private const string LocalCopySuffix = ".local" + IO.AtomicFile.PartialSuffix;

    /// <summary>
    /// The cached state for (<paramref name="store"/>, <paramref name="key"/>) with SHA-256 <paramref name="sha256"/>,
    /// copied from the store's local copy when the cache lacks it (under the state's lock, hashed as it is copied, placed
    /// like a download); <see langword="null"/> when the store has no such copy or its bytes are others.
    /// </summary>
    internal async Task<CachedState?> TryAddLocalCopyAsync(ILocalCopyStore store, StateKey key, string sha256, CancellationToken cancellationToken)
    {
        var expected = NormalizeSha256(sha256);
        using var held = await CrossProcessLock.AcquireAsync(GetLockPath(store.Id, key), LockTimeout, cancellationToken).ConfigureAwait(false);
        if (TryGetMatching(store.Id, key, expected) is { } hit)
        {
            return hit;
        }

        // Named after the state, so clean removes what a killed copy left; apart from the resumable download's own file.
        var path = GetDownloadPath(store.Id, key)[..^DownloadSuffix.Length] + LocalCopySuffix;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var copy = await store.CopyLocalAsync(key, expected, path, cancellationToken).ConfigureAwait(false);
        if (copy is null)
        {
            return null;
        }

        try
        {
            return await InsertDownloadedLockedAsync(store.Id, key, path, copy, expected, cancellationToken).ConfigureAwait(false);
        }
        catch (StateStoreException e) when (e.Error == StateStoreError.IntegrityMismatch)
        {
            return null; // The copy changed under the store's check: not used, and discarded.
        }
    }
}
