using ModelStore.States;

namespace ModelStore.Stores;

/// <summary>
/// An optional capability of a store: other programs on this machine may already hold its files (the Hugging Face store
/// and huggingface_hub's cache, shared with Python). When a state's SHA-256 is known (a lock file entry or a pin), the
/// resolver takes it from such a copy before it makes any request: online with no request at all, and offline
/// (<c>ModelStoreOffline</c>, <c>HF_HUB_OFFLINE=1</c>) where it would otherwise miss.
/// </summary>
public interface ILocalCopyStore : IStateStore
{
    /// <summary>
    /// Copies to <paramref name="path"/> the bytes of <paramref name="key"/> at this store's revision from a copy on this
    /// machine whose SHA-256 is <paramref name="sha256"/>, making no request, and hashing the bytes as they are copied.
    /// </summary>
    /// <param name="key">The state (a store narrowed to one file serves that file under any key).</param>
    /// <param name="sha256">The SHA-256 the bytes must have (lower-case hex).</param>
    /// <param name="path">Where to write them (replaced atomically).</param>
    /// <param name="cancellationToken">Stops the copy.</param>
    /// <returns>
    /// What was copied (<see cref="FileDownload.BytesTransferred"/> is 0), or <see langword="null"/>, with nothing left at
    /// <paramref name="path"/>, when there is no such copy or its bytes do not have <paramref name="sha256"/>.
    /// </returns>
    Task<FileDownload?> CopyLocalAsync(StateKey key, string sha256, string path, CancellationToken cancellationToken = default);
}
