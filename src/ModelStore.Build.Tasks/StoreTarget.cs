using ModelStore.Stores;

namespace ModelStore.Build.Tasks;

/// <summary>
/// The store one <c>ModelState</c> reads, created only when it is needed (a warm build needs none): its
/// <c>ModelStore</c> (or its <c>Url</c>), pinned for a versioned store (a Hugging Face Hub repository) to the commit the lock file records,
/// else to the one its branch points to now, so the fetch reads exactly the commit the lock file will record; then
/// narrowed to the item's <c>Path</c>.
/// </summary>
internal sealed class StoreTarget(StateRequest request, Func<IStateStore> openStore, StoreRevision? locked)
{
    private IStateStore? _store;

    /// <summary>The revision read: the lock file's until the store is opened, then the one actually pinned.</summary>
    public StoreRevision? Revision { get; private set; } = locked;

    /// <summary>Whether the store is versioned but no commit is known yet (an older lock file, a first build).</summary>
    public bool LacksRevision => Revision is null && openStore() is IRevisionedStore;

    /// <summary>The store, pinned and narrowed; resolving a branch asks the store (network).</summary>
    /// <exception cref="StateStoreException">The revision cannot be resolved.</exception>
    public IStateStore Open(CancellationToken cancellationToken)
    {
        if (_store is not null)
        {
            return _store;
        }

        var store = openStore();
        if (store is IRevisionedStore revisioned)
        {
            var commit = Revision?.Resolved ?? revisioned.ResolveRevisionAsync(cancellationToken).GetAwaiter().GetResult();
            Revision = new StoreRevision(revisioned.Revision, commit);
            store = revisioned.AtRevision(commit);
        }
        else
        {
            Revision = null;
        }

        if (request.FilePath is { } path)
        {
            // The task checked the unpinned store (MST0011); a pinned view is of the same kind.
            store = store is IFileAddressableStore files
                ? files.ForFile(path)
                : throw new ArgumentException($"Store '{request.Store}' cannot name its files by path, so ModelState '{request.Key}' cannot use Path.");
        }

        return _store = store;
    }
}
