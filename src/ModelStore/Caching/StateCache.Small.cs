using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Caching;

/// <summary>
/// Small states: one request and one durable write each. A state whose SHA-256 and size are known (a pin or the lock
/// file) and whose size is at most <see cref="SmallStateLimit"/> is read with one streamed GET
/// (<see cref="IStateStore.OpenSizedReadAsync"/>, no HEAD first), hashed from memory as it is written to a temporary file,
/// flushed to disk once and renamed into the blobs; no download journal, no ranged requests. A kill at any point leaves
/// at most a temporary file (replaced by the next fetch of the state, or removed by <see cref="RemoveAbandonedDownloads"/>),
/// never a blob or an index entry with other bytes. Resuming is what such a state gives up: it costs one request again.
/// </summary>
public sealed partial class StateCache
{
    /// <summary>The largest state fetched by the small path: one download chunk of the stores that read ranges (8 MiB).</summary>
    internal const long SmallStateLimit = 8L * 1024 * 1024;

    // Without the hash there is nothing to check the single GET against before it lands, and without the size the
    // state may be large: both come from a pin or the lock file.
    private static bool IsSmall(string? expectedSha256, long? expectedSize) =>
        expectedSha256 is not null && expectedSize is >= 0 and <= SmallStateLimit;

    // Also the path of every store that cannot download to a file: one streamed read through the cache's own insert.
    private Task<CachedState> GetOrFetchSmallAsync(IStateStore store, StateKey key, string? expectedSha256, long? expectedSize, IProgress<long>? progress, CancellationToken cancellationToken) =>
        GetOrFetchCoreAsync(
            store.Id,
            key,
            expectedSha256,
            async token =>
            {
                // The size is known only when the hash is (IsSmall): the bytes read are checked against both.
                var source = await (IsSmall(expectedSha256, expectedSize) ? store.OpenSizedReadAsync(key, expectedSize!.Value, token) : store.OpenReadAsync(key, token)).ConfigureAwait(false);
                await using (source.ConfigureAwait(false))
                {
                    return await InsertLockedAsync(store.Id, key, source, expectedSha256, expectedSize, progress, token).ConfigureAwait(false);
                }
            },
            cancellationToken,
            // No lock file for a state below the size that gets a stamp when placed (see CrossProcessLock: what an earlier
            // version racing for it could leave is then hashed by the next check).
            createLockFile: expectedSize is not { } size || size >= FreshStampMinimumSize);
}
