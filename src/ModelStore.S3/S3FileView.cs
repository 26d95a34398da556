using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.S3;

/// <summary>
/// One object of an <see cref="S3StateStore"/> named by path (<see cref="S3StateStore.ForFile"/>: a bundle's file), served
/// and written under any key. Reads, writes, downloads and errors are the store's.
/// </summary>
internal sealed class S3FileView(S3StateStore store, string objectName) : StateStore, IFileDownloadingStore
{
    /// <inheritdoc />
    public override string Description => $"object s3://{store.Bucket}/{objectName} at {store.Endpoint}";

    /// <inheritdoc />
    public override string Id => $"s3-file:{store.Endpoint}/{store.Bucket}/{objectName}";

    /// <inheritdoc />
    public override Task<bool> ExistsAsync(StateKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return store.ObjectExistsAsync(objectName, key, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>A single-object view lists nothing: it has no key of its own.</remarks>
    public override Task<IReadOnlyList<StateKey>> GetStateKeysAsync(StateType stateType, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stateType);
        return Task.FromResult<IReadOnlyList<StateKey>>([]);
    }

    /// <inheritdoc />
    public override Task<Stream> OpenReadAsync(StateKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return store.OpenObjectAsync(objectName, key, cancellationToken);
    }

    /// <inheritdoc />
    public Task<FileDownload> DownloadToFileAsync(StateKey key, string path, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return store.DownloadObjectAsync(objectName, key, path, progress, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>Uploads the object, whatever the key; a mirror holds bundle files this way.</remarks>
    public override Task WriteAsync(StateKey key, Stream content, bool overwrite = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(content);
        return store.WriteObjectAsync(objectName, key, content, overwrite, cancellationToken);
    }
}
