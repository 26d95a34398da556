using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Caching;

/// <summary>Fetching through mirrors: other stores holding copies of an origin's states, tried first.</summary>
public sealed partial class StateCache
{
    /// <summary>
    /// Returns the cached state for (<paramref name="origin"/>, <paramref name="key"/>), fetching it when it is missing:
    /// from the <paramref name="mirrors"/> first, in order, then from the origin. A mirror is asked only when the state's
    /// SHA-256 is known (<paramref name="expectedSha256"/>, a pin or a lock file entry), and its bytes are kept only when
    /// they have that hash, so a mirror can make a fetch faster or possible, never different. A mirror that lacks the
    /// state, fails, is unreachable or serves other bytes is skipped. The result is indexed under the origin.
    /// </summary>
    /// <param name="origin">The store the state belongs to.</param>
    /// <param name="mirrors">Stores holding copies under the same key, in the order to try them.</param>
    /// <param name="key">The state.</param>
    /// <param name="expectedSha256">The state's known hash; without it, only the origin is asked.</param>
    /// <param name="onSource">Called for each source tried: with <see langword="null"/> for the one that served the state, or with why it was skipped.</param>
    /// <param name="progress">Receives the number of bytes fetched so far from the current source.</param>
    /// <param name="cancellationToken">Cancels the fetch.</param>
    /// <exception cref="StateStoreException">The origin failed after every mirror was skipped.</exception>
    public Task<CachedState> GetOrFetchAsync(
        IStateStore origin,
        IReadOnlyList<IStateStore> mirrors,
        StateKey key,
        string? expectedSha256,
        Action<IStateStore, StateStoreException?>? onSource = null,
        IProgress<long>? progress = null,
        CancellationToken cancellationToken = default) =>
        GetOrFetchAsync(origin, mirrors, key, expectedSha256, expectedSize: null, onSource, progress, cancellationToken);

    /// <summary>The same, with the state's size when a pin or the lock file gives it (a small state takes one request).</summary>
    internal async Task<CachedState> GetOrFetchAsync(
        IStateStore origin,
        IReadOnlyList<IStateStore> mirrors,
        StateKey key,
        string? expectedSha256,
        long? expectedSize,
        Action<IStateStore, StateStoreException?>? onSource,
        IProgress<long>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(origin);
        ArgumentNullException.ThrowIfNull(mirrors);
        ArgumentNullException.ThrowIfNull(key);
        if (TryGetMatching(origin.Id, key, expectedSha256) is { } hit)
        {
            return hit;
        }

        if (expectedSha256 is not null)
        {
            foreach (var mirror in mirrors)
            {
                try
                {
                    var copy = await GetOrFetchAsync(mirror, key, expectedSha256, expectedSize, progress, cancellationToken).ConfigureAwait(false);
                    onSource?.Invoke(mirror, null);
                    return await IndexAsync(origin.Id, key, copy.Sha256, copy.Size, cancellationToken).ConfigureAwait(false);
                }
                catch (StateStoreException e)
                {
                    onSource?.Invoke(mirror, e);
                }
            }
        }

        var state = await GetOrFetchAsync(origin, key, expectedSha256, expectedSize, progress, cancellationToken).ConfigureAwait(false);
        onSource?.Invoke(origin, null);
        return state;
    }
}
