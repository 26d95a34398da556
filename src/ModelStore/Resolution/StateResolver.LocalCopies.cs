using ModelStore.Caching;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Resolution;

// Locked files another program keeps on this machine (huggingface_hub's cache, ILocalCopyStore), taken before any request.
public sealed partial class StateResolver
{
    /// <summary>
    /// The request's store, pinned and narrowed, when that needs no request (a versioned store's commit is known from the
    /// lock file, or the store is not versioned); <see langword="null"/> otherwise, and offline when it cannot be created
    /// (offline nothing else needs it: the usual miss says what to do).
    /// </summary>
    private async Task<IStateStore?> OpenWithoutRequestAsync(StoreView view, CancellationToken cancellationToken)
    {
        try
        {
            return view.LacksRevision ? null : await view.OpenAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (_options.Offline && e is ArgumentException or StateResolutionException)
        {
            return null;
        }
    }

    /// <summary>
    /// The state with SHA-256 <paramref name="sha256"/>, copied into the cache from the copy <paramref name="store"/>
    /// knows on this machine (<see cref="ILocalCopyStore"/>) with no request, hashed on the way; <see langword="null"/>
    /// when the hash is unknown, the store keeps no copies, or the copy is missing or holds other bytes.
    /// </summary>
    private async Task<CachedState?> TakeLocalCopyAsync(IStateStore? store, StateKey key, string? sha256, CancellationToken cancellationToken) =>
        store is ILocalCopyStore local && sha256 is not null
            ? await Cache.TryAddLocalCopyAsync(local, key, sha256, cancellationToken).ConfigureAwait(false)
            : null;
}
