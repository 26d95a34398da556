using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Azure;

/// <summary>
/// One blob of an <see cref="AzureBlobStateStore"/> named by path (<see cref="AzureBlobStateStore.ForFile"/>: a bundle's
/// file), served and written under any key. Reads, writes, downloads and errors are the store's.
/// </summary>
internal sealed class AzureBlobFileView(AzureBlobStateStore store, string blobName) : StateStore, IFileDownloadingStore
{
    /// <inheritdoc />
    public override string Description => $"blob {store.Endpoint}/{store.Container}/{blobName}";

    /// <inheritdoc />
    public override string Id => $"azure-file:{store.Endpoint}/{store.Container}/{blobName}";

    /// <inheritdoc />
    public override Task<bool> ExistsAsync(StateKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return store.BlobExistsAsync(blobName, key, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>A single-blob view lists nothing: it has no key of its own.</remarks>
    public override Task<IReadOnlyList<StateKey>> GetStateKeysAsync(StateType stateType, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stateType);
        return Task.FromResult<IReadOnlyList<StateKey>>([]);
    }

    /// <inheritdoc />
    public override Task<Stream> OpenReadAsync(StateKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return store.OpenBlobAsync(blobName, key, cancellationToken);
    }

    /// <inheritdoc />
    public Task<FileDownload> DownloadToFileAsync(StateKey key, string path, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return store.DownloadBlobAsync(blobName, key, path, progress, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>Uploads the blob, whatever the key; a mirror holds bundle files this way.</remarks>
    public override Task WriteAsync(StateKey key, Stream content, bool overwrite = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(content);
        return store.WriteBlobAsync(blobName, key, content, overwrite, cancellationToken);
    }
}
