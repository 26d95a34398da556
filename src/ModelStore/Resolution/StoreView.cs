using ModelStore.Stores;

namespace ModelStore.Resolution;

/// <summary>
/// The store one request reads, opened only when needed (a warm build opens none): its catalog store (or its address),
/// pinned for a versioned store to the commit the lock file records, else to the one its branch points to now (asked
/// once per store and run), then narrowed to the request's <c>Path</c>.
/// </summary>
internal sealed class StoreView(StateResolver resolver, StateRequest request, StoreRevision? locked)
{
    private IStateStore? _unpinned;
    private IStateStore? _opened;

    /// <summary>The revision read: the lock file's until the store is opened, then the one actually pinned.</summary>
    public StoreRevision? Revision { get; private set; } = locked;

    /// <summary>The store before pinning (creating it makes no request).</summary>
    public IStateStore Unpinned => _unpinned ??= request.Url is { } url ? new UrlStateStore(request.Key, url) : resolver.Stores.Open(request.Store);

    /// <summary>Whether the store is versioned but no commit is known yet (an older lock file, a first build).</summary>
    public bool LacksRevision => Revision is null && Unpinned is IRevisionedStore;

    /// <summary>The store, pinned and narrowed.</summary>
    public async Task<IStateStore> OpenAsync(CancellationToken cancellationToken)
    {
        if (_opened is not null)
        {
            return _opened;
        }

        string? commit = Revision?.Resolved;
        if (commit is null && Unpinned is IRevisionedStore)
        {
            commit = await resolver.ResolveBranchAsync(request.Store, Unpinned, cancellationToken).ConfigureAwait(false);
        }

        (_opened, Revision) = StateResolver.Pin(Unpinned, commit, request.Path);
        return _opened;
    }
}
