using ModelStore.Downloads;
using ModelStore.States;

namespace ModelStore.Stores;

/// <summary>
/// A read-only store of one state fetched from a plain HTTP(S) address (a paper's release page, torchvision's
/// <c>resnet18-f37072fd.pth</c>): what a <c>ModelState</c> item with <c>Url</c> and no <c>Store</c> reads. Downloads go
/// through <see cref="ChunkedDownloader"/>: parallel ranges where the server honours them, resumed after an interruption
/// while the file's <c>ETag</c> (or <c>Last-Modified</c>) and size are unchanged, retried on transient failures.
/// </summary>
/// <remarks>
/// The address may carry a signed query (a pre-signed S3 or SAS URL): its secret values are replaced by
/// <see cref="UrlRedaction"/> wherever the address is shown, <see cref="Id"/> included. Credentials in the address's user
/// information (<c>https://user:password@host/</c>) are refused: they would be written into project files and logs.
/// </remarks>
public sealed class UrlStateStore : StateStore, IFileDownloadingStore
{
    private readonly HttpRangeSource _source;
    private readonly ChunkedDownloadOptions _download;

    /// <summary>Creates the store of <paramref name="key"/> at <paramref name="url"/>; no request is made.</summary>
    /// <param name="key">The key the file is served under.</param>
    /// <param name="url">An absolute http:// or https:// address without user information.</param>
    /// <param name="client">The HTTP client; a shared one with a 60 s request timeout when null.</param>
    /// <param name="download">Chunking, parallelism, retries and read timeout of downloads.</param>
    /// <exception cref="ArgumentException">The address is not an absolute HTTP(S) URL, or carries user information.</exception>
    public UrlStateStore(StateKey key, Uri url, HttpClient? client = null, ChunkedDownloadOptions? download = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(url);
        if (url.IsAbsoluteUri && UrlRedaction.HasUserInfo(url))
        {
            throw new ArgumentException($"The address '{UrlRedaction.Redact(url)}' carries a user name or password; ModelStore does not take credentials from addresses. Use a pre-signed address, or a store kind with its own credentials.", nameof(url));
        }

        Key = key;
        _source = new HttpRangeSource(client ?? HttpTransport.Shared, url, key: key);
        _download = download ?? ChunkedDownloadOptions.Default;
        _download.Validate();
    }

    /// <summary>The key the file is served under.</summary>
    public StateKey Key { get; }

    /// <summary>The file's address.</summary>
    public Uri Url => _source.Uri;

    /// <inheritdoc />
    public override string Description => $"URL {_source.Description}";

    /// <inheritdoc />
    public override string Id => $"url:{_source.Description}";

    /// <inheritdoc />
    public override async Task<bool> ExistsAsync(StateKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key != Key)
        {
            return false;
        }

        try
        {
            await _source.GetObjectAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (StateStoreException e) when (e.Error == StateStoreError.NotFound)
        {
            return false;
        }
    }

    /// <inheritdoc />
    public override Task<IReadOnlyList<StateKey>> GetStateKeysAsync(StateType stateType, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stateType);
        IReadOnlyList<StateKey> keys = Key.StateType.IsCompatibleWith(stateType) ? [Key] : [];
        return Task.FromResult(keys);
    }

    /// <inheritdoc />
    public override async Task<Stream> OpenReadAsync(StateKey key, CancellationToken cancellationToken = default)
    {
        EnsureServed(key);
        var body = await _source.OpenWholeAsync(cancellationToken).ConfigureAwait(false);
        return new IO.TransportGuardedStream(body, null, Description, key, _download.ReadTimeout);
    }

    /// <inheritdoc />
    public async Task<FileDownload> DownloadToFileAsync(StateKey key, string path, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        EnsureServed(key);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var remote = await _source.GetObjectAsync(cancellationToken).ConfigureAwait(false);
        return await ChunkedDownloader.DownloadAsync(_source, remote, Path.GetFullPath(path), _download, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <exception cref="StateStoreException">Always: <see cref="StateStoreError.ReadOnly"/>.</exception>
    public override Task WriteAsync(StateKey key, Stream content, bool overwrite = false, CancellationToken cancellationToken = default) =>
        throw new StateStoreException(StateStoreError.ReadOnly, $"Cannot save {key}: {Description} is read-only.", key);

    private void EnsureServed(StateKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key != Key)
        {
            throw StateStoreException.NotFound(key, $"{Description} (it serves {Key} only)");
        }
    }
}
