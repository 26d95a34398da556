using ModelStore.States;

namespace ModelStore.Stores;

/// <summary>What an object store (S3, Azure Blob) does with one object named in full, for <see cref="ObjectFileView"/>.</summary>
internal interface IObjectFiles
{
    Task<bool> ObjectExistsAsync(string objectName, StateKey key, CancellationToken cancellationToken);

    Task<Stream> OpenObjectAsync(string objectName, StateKey key, CancellationToken cancellationToken);

    /// <summary>A read of an object said to hold <paramref name="expectedSize"/> bytes (see <see cref="IStateStore.OpenSizedReadAsync"/>); by default the plain read.</summary>
    Task<Stream> OpenObjectSizedAsync(string objectName, StateKey key, long expectedSize, CancellationToken cancellationToken) => OpenObjectAsync(objectName, key, cancellationToken);

    Task<FileDownload> DownloadObjectAsync(string objectName, StateKey key, string path, IProgress<long>? progress, CancellationToken cancellationToken);

    Task WriteObjectAsync(string objectName, StateKey key, Stream content, bool overwrite, CancellationToken cancellationToken);
}

/// <summary>
/// One object of an object store named by path (<see cref="IFileAddressableStore.ForFile"/>: a bundle's file, a mirror's
/// copy of one), served and written under any key. Reads, writes, downloads and errors are the store's.
/// </summary>
internal sealed class ObjectFileView(IObjectFiles store, string objectName, string description, string id) : StateStore, IFileDownloadingStore
{
    /// <inheritdoc />
    public override string Description => description;

    /// <inheritdoc />
    public override string Id => id;

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
    /// <remarks>The store's sized read of the object: on S3 one ranged GET, which the AWS SDK does not hash with MD5.</remarks>
    public Task<Stream> OpenSizedReadAsync(StateKey key, long expectedSize, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfNegative(expectedSize);
        return store.OpenObjectSizedAsync(objectName, key, expectedSize, cancellationToken);
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
