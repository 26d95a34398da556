namespace ModelStore.Stores;

/// <summary>
/// An optional capability of a store whose content is versioned as a whole, like a Git repository on the Hugging
/// Face Hub: it reads a revision that may move (a branch, a tag), resolves it to one that cannot (a commit), and opens
/// a view pinned to that one. The build records the resolved revision in the lock file, so a locked build fetches
/// exactly the same files after the branch moves.
/// </summary>
public interface IRevisionedStore : IStateStore
{
    /// <summary>The revision this store reads, as configured (a branch, a tag or a commit).</summary>
    string Revision { get; }

    /// <summary>Resolves <see cref="Revision"/> to an immutable revision (a commit id).</summary>
    /// <exception cref="StateStoreException"><see cref="StateStoreError.NotFound"/> when the revision does not exist, or another failure.</exception>
    Task<string> ResolveRevisionAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// The same store reading <paramref name="revision"/> (an immutable revision from <see cref="ResolveRevisionAsync"/>);
    /// its <see cref="IStateStore.Id"/> includes it. No request is made.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="revision"/> is not a valid revision.</exception>
    IRevisionedStore AtRevision(string revision);
}
