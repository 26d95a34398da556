using ModelStore.States;

namespace ModelStore.Stores;

/// <summary>
/// An optional capability of a store: downloading a state straight into a file, faster than through
/// <see cref="IStateStore.OpenReadAsync"/> (parallel ranged requests, for instance) and resumable: an
/// interrupted download into the same path continues from the bytes already there.
/// <see cref="Caching.StateCache"/> uses it when a store offers it.
/// </summary>
public interface IFileDownloadingStore : IStateStore
{
    /// <summary>
    /// Downloads the state <paramref name="key"/> into <paramref name="path"/>, resuming a previous interrupted
    /// download into the same path when the state has not changed since. The file is complete only when the task
    /// succeeds; callers download to a temporary path and move it.
    /// </summary>
    /// <param name="key">The state.</param>
    /// <param name="path">The file to write; its folder must exist.</param>
    /// <param name="progress">Receives the number of bytes of the state on disk so far (resumed bytes included).</param>
    /// <param name="cancellationToken">Stops the download; what was downloaded stays for a later resume.</param>
    /// <returns>
    /// The file's size, the bytes this call transferred (less than the size when it resumed) and the SHA-256 of the
    /// file's bytes, computed by reading them back from the file while the download runs (so callers need not hash
    /// the file again).
    /// </returns>
    /// <exception cref="StateStoreException"><see cref="StateStoreError.NotFound"/> when the state is missing.</exception>
    Task<FileDownload> DownloadToFileAsync(StateKey key, string path, IProgress<long>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Whether every state, small ones included, must come through <see cref="DownloadToFileAsync"/>. By default
    /// (<see langword="false"/>) the cache reads a small state whose SHA-256 and size it knows with one streamed request
    /// (<see cref="IStateStore.OpenSizedReadAsync"/>); a store returns <see langword="true"/> when its download does more than
    /// that read would (the Hugging Face store asks for the file's metadata either way and can also write
    /// huggingface_hub's cache).
    /// </summary>
    bool DownloadsEveryState => false;
}
