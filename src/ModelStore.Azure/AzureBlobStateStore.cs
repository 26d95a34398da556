using System.Runtime.ExceptionServices;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using ModelStore.Downloads;
using ModelStore.IO;
using ModelStore.States;
using ModelStore.Stores;
using ModelStore.Uploads;

namespace ModelStore.Azure;

/// <summary>
/// A store in an Azure Blob Storage container (or any server speaking its API, such as Azurite), laid out exactly as
/// MoZuMa's S3 store: <c>{basePath}{backend}/{architecture}[.{extra}...].{trainingId}.pt</c>.
/// </summary>
/// <remarks>
/// Uploads stream (one Put Blob, or staged blocks committed at once for states larger than a block); creating a state is
/// atomic (<c>If-None-Match: *</c>), so of two writers creating the same key one gets <see cref="StateStoreError.AlreadyExists"/>.
/// <see cref="DownloadToFileAsync"/> fetches with parallel ranged reads and resumes an interrupted download. Errors are
/// <see cref="StateStoreException"/>s naming the blob: <see cref="StateStoreError.ContainerNotFound"/>,
/// <see cref="StateStoreError.NotFound"/>, <see cref="StateStoreError.AlreadyExists"/>, <see cref="StateStoreError.AccessDenied"/>
/// (refused key, SAS or token, or no credentials), <see cref="StateStoreError.Unreachable"/>, <see cref="StateStoreError.Timeout"/>,
/// <see cref="StateStoreError.RateLimited"/>; they never contain the account key, the connection string nor a SAS.
/// </remarks>
public sealed class AzureBlobStateStore : StateStore, IFileDownloadingStore, IFileListingStore, IObjectFiles
{
    private readonly BlobContainerClient _container;
    private readonly AzureBlobErrorTranslator _errors;
    private readonly AzureBlobUploader _uploader;
    private const int MaxUploadAttempts = 4;

    private volatile bool _containerSeen;

    /// <summary>Creates a store; no request is made until the first operation.</summary>
    /// <exception cref="ArgumentException">
    /// The container is missing or not a valid container name, no account is named, a connection string is malformed, a
    /// token would be sent over plain HTTP, or a size or count option is out of range. The message never shows a secret.
    /// </exception>
    public AzureBlobStateStore(AzureBlobStateStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Container, "options.Container");
        if (AzureBlobNames.ContainerProblem(options.Container) is { } container)
        {
            throw new ArgumentException(container, nameof(options));
        }

        StoreAddressRules.ValidateBasePath(options.BasePath, "Azure Blob store");

        ArgumentOutOfRangeException.ThrowIfLessThan(options.UploadBlockSize, 64 * 1024, "options.UploadBlockSize");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.DownloadChunkSize, 64 * 1024, "options.DownloadChunkSize");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.UploadParallelism, 1, "options.UploadParallelism");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.DownloadParallelism, 1, "options.DownloadParallelism");
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxRetries, "options.MaxRetries");
        if (options.ServiceUri is { } uri && (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https")))
        {
            throw new ArgumentException($"The service URI '{UrlRedaction.RedactText(uri)}' is not an absolute http(s) URL.", nameof(options));
        }

        if (options.AccountName is not null && AzureBlobNames.AccountProblem(options.AccountName) is { } account)
        {
            throw new ArgumentException(account, nameof(options));
        }

        Options = options;
        var connection = AzureBlobConnection.Create(options);
        _container = connection.Container;
        Endpoint = connection.Endpoint;
        _errors = new AzureBlobErrorTranslator(options.Container, Endpoint, connection.CredentialHint, AzureBlobConnection.SentServiceVersion(options), options.ServiceVersion is not null);
        _uploader = new AzureBlobUploader(options);
    }

    /// <summary>The options the store was created with.</summary>
    public AzureBlobStateStoreOptions Options { get; }

    /// <summary>The container.</summary>
    public string Container => Options.Container;

    /// <summary>The normalised base path (empty, or ending with <c>/</c>).</summary>
    public string BasePath => Options.BasePath;

    /// <summary>The blob service endpoint, without query or trailing slash (<c>https://account.blob.core.windows.net</c>).</summary>
    public string Endpoint { get; }

    /// <inheritdoc />
    public override string Description => $"Azure Blob store {Endpoint}/{Container}/{BasePath}";

    /// <inheritdoc />
    public override string Id => $"azure:{Endpoint}/{Container}/{BasePath}";

    /// <summary>The blob name of <paramref name="key"/> in the container.</summary>
    public string GetBlobName(StateKey key) => ObjectStoreLayout.GetObjectName(BasePath, key);

    /// <inheritdoc />
    public override async Task<bool> ExistsAsync(StateKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        return await TryGetPropertiesAsync(key, GetBlobName(key), cancellationToken).ConfigureAwait(false) is not null;
    }

    /// <inheritdoc />
    public override async Task<IReadOnlyList<StateKey>> GetStateKeysAsync(StateType stateType, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stateType);
        cancellationToken.ThrowIfCancellationRequested();
        var prefix = ObjectStoreLayout.GetListingPrefix(BasePath, stateType);
        var keys = new List<StateKey>();
        try
        {
            await foreach (var page in _container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken).AsPages(pageSizeHint: Options.ListingPageSize).ConfigureAwait(false))
            {
                _containerSeen = true;
                foreach (var blob in page.Values)
                {
                    // Foreign blobs under the prefix (notes, other layouts) are skipped.
                    var key = ObjectStoreLayout.TryParseObjectName(BasePath, blob.Name);
                    if (key is not null && key.StateType.IsCompatibleWith(stateType))
                    {
                        keys.Add(key);
                    }
                }
            }
        }
        catch (Exception e) when (AzureBlobErrorTranslator.IsTranslatable(e, cancellationToken))
        {
            throw _errors.Translate(e, "listing", prefix + "*", null);
        }

        keys.Sort((a, b) => string.CompareOrdinal(a.ToString(), b.ToString()));
        return keys;
    }

    /// <inheritdoc />
    /// <remarks>One streamed read; use <see cref="DownloadToFileAsync"/> for large states.</remarks>
    public override async Task<Stream> OpenReadAsync(StateKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        return await OpenBlobAsync(GetBlobName(key), key, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>The view reads the blob <c>{basePath}{path}</c> under any key; its <see cref="IStateStore.Id"/> is <c>azure-file:{endpoint}/{container}/{basePath}{path}</c>.</remarks>
    public IStateStore ForFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Resolution.StateRequest.PathProblem(path) is { } problem
            ? throw new ArgumentException($"The file path {problem}.", nameof(path))
            : new ObjectFileView(this, BasePath + path, $"blob {Endpoint}/{Container}/{BasePath}{path}", $"azure-file:{Endpoint}/{Container}/{BasePath}{path}");
    }

    /// <inheritdoc />
    /// <remarks>
    /// Every blob under the base path, page after page (List Blobs with the prefix and the service's continuation marker);
    /// a name that is not a plain relative path below it (an empty or <c>.</c>/<c>..</c> part, a backslash, a control
    /// character, a folder marker ending with <c>/</c>) is left out, so a listing never names a file outside the bundle.
    /// </remarks>
    public async Task<IReadOnlyList<StoreFile>> ListFilesAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var files = new List<StoreFile>();
        try
        {
            await foreach (var page in _container.GetBlobsAsync(new GetBlobsOptions { Prefix = BasePath }, cancellationToken).AsPages(pageSizeHint: Options.ListingPageSize).ConfigureAwait(false))
            {
                _containerSeen = true;
                foreach (var blob in page.Values)
                {
                    var path = blob.Name[BasePath.Length..];
                    if (ConfinedPath.IsPlainRelative(path))
                    {
                        files.Add(new StoreFile(path, blob.Properties.ContentLength ?? 0));
                    }
                }
            }
        }
        catch (Exception e) when (AzureBlobErrorTranslator.IsTranslatable(e, cancellationToken))
        {
            throw _errors.Translate(e, "listing", BasePath + "*", null);
        }

        files.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return files;
    }

    /// <summary>One streamed read of <paramref name="blobName"/> (for <paramref name="key"/>).</summary>
    internal async Task<Stream> OpenBlobAsync(string blobName, StateKey key, CancellationToken cancellationToken)
    {
        try
        {
            var response = await Blob(blobName).DownloadStreamingAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            _containerSeen = true;
            return new TransportGuardedStream(response.Value.Content, response.Value, $"Azure blob {_errors.Address(blobName)} (state {key})", key, Options.RequestTimeout);
        }
        catch (RequestFailedException e) when (e.ErrorCode == "BlobNotFound" || (e.Status == 404 && e.ErrorCode != "ContainerNotFound"))
        {
            throw NotFound(key, blobName, e);
        }
        catch (Exception e) when (AzureBlobErrorTranslator.IsTranslatable(e, cancellationToken))
        {
            throw _errors.Translate(e, "read", blobName, key);
        }
    }

    Task<bool> IObjectFiles.ObjectExistsAsync(string objectName, StateKey key, CancellationToken cancellationToken) => BlobExistsAsync(objectName, key, cancellationToken);

    Task<Stream> IObjectFiles.OpenObjectAsync(string objectName, StateKey key, CancellationToken cancellationToken) => OpenBlobAsync(objectName, key, cancellationToken);

    Task<FileDownload> IObjectFiles.DownloadObjectAsync(string objectName, StateKey key, string path, IProgress<long>? progress, CancellationToken cancellationToken) =>
        DownloadBlobAsync(objectName, key, path, progress, cancellationToken);

    Task IObjectFiles.WriteObjectAsync(string objectName, StateKey key, Stream content, bool overwrite, CancellationToken cancellationToken) =>
        WriteBlobAsync(objectName, key, content, overwrite, cancellationToken);

    /// <summary>Whether <paramref name="blobName"/> exists.</summary>
    internal async Task<bool> BlobExistsAsync(string blobName, StateKey key, CancellationToken cancellationToken) =>
        await TryGetPropertiesAsync(key, blobName, cancellationToken).ConfigureAwait(false) is not null;

    /// <inheritdoc />
    public override Task WriteAsync(StateKey key, Stream content, bool overwrite = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(content);
        cancellationToken.ThrowIfCancellationRequested();
        return WriteBlobAsync(GetBlobName(key), key, content, overwrite, cancellationToken);
    }

    /// <summary>Uploads <paramref name="blobName"/> (for <paramref name="key"/>), atomically refusing to replace it unless <paramref name="overwrite"/>.</summary>
    internal async Task WriteBlobAsync(string blobName, StateKey key, Stream content, bool overwrite, CancellationToken cancellationToken)
    {
        if (!overwrite && await TryGetPropertiesAsync(key, blobName, cancellationToken).ConfigureAwait(false) is not null)
        {
            throw AlreadyExists(key, blobName, null, "pass overwrite: true to replace it");
        }

        try
        {
            await UploadAsync(blobName, content, overwrite, cancellationToken).ConfigureAwait(false);
        }
        catch (SourceStreamException e)
        {
            ExceptionDispatchInfo.Throw(e.InnerException!);
        }
        catch (RequestFailedException e) when (!overwrite && e.ErrorCode is "BlobAlreadyExists" or "ConditionNotMet")
        {
            throw AlreadyExists(key, blobName, e, "another writer created it first");
        }
        catch (RequestFailedException e) when (e.ErrorCode == "InvalidBlockList" && !overwrite)
        {
            // Another writer's commit (or Put Blob) discarded this upload's staged blocks: if the state is there now, that
            // writer created it first.
            if (await TryGetPropertiesAsync(key, blobName, cancellationToken).ConfigureAwait(false) is not null)
            {
                throw AlreadyExists(key, blobName, e, "another writer created it first");
            }

            throw _errors.Translate(e, "upload", blobName, key);
        }
        catch (RequestFailedException e) when (e.ErrorCode == "InvalidBlockList")
        {
            throw new StateStoreException(StateStoreError.AlreadyExists, $"State {key} in {Description} ({_errors.Address(blobName)}) was replaced by another writer during this upload, which discarded its staged blocks; the other writer's state stands. Write it again (from a seekable stream, the store does so by itself).", key, e);
        }
        catch (Exception e) when (AzureBlobErrorTranslator.IsTranslatable(e, cancellationToken))
        {
            throw _errors.Translate(e, "upload", blobName, key);
        }
    }

    // A commit of blocks fails when another writer committed the same blob meanwhile (the service then discards every
    // uncommitted block). Overwriting from a seekable stream, the upload starts again, so the last writer wins, as for a
    // state sent in one request.
    private async Task UploadAsync(string blobName, Stream content, bool overwrite, CancellationToken cancellationToken)
    {
        var start = overwrite && content.CanSeek ? content.Position : -1;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _uploader.UploadAsync(Blob(blobName), content, createOnly: !overwrite, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (RequestFailedException e) when (e.ErrorCode == "InvalidBlockList" && start >= 0 && attempt < MaxUploadAttempts)
            {
                content.Position = start;
            }
        }
    }

    /// <inheritdoc />
    public async Task<FileDownload> DownloadToFileAsync(StateKey key, string path, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        cancellationToken.ThrowIfCancellationRequested();
        return await DownloadBlobAsync(GetBlobName(key), key, path, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Downloads <paramref name="blobName"/> (for <paramref name="key"/>) into <paramref name="path"/> with ranged reads, resuming.</summary>
    internal async Task<FileDownload> DownloadBlobAsync(string blobName, StateKey key, string path, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var source = new AzureBlobRangeSource(Blob(blobName), key, _errors, Options.RequestTimeout, async token =>
            await TryGetPropertiesAsync(key, blobName, token).ConfigureAwait(false) is { } properties ? new RemoteObject(properties.ContentLength, properties.ETag.ToString()) : null);
        var remote = await source.GetObjectAsync(cancellationToken).ConfigureAwait(false);
        var options = new ChunkedDownloadOptions { ChunkSize = Options.DownloadChunkSize, Parallelism = Options.DownloadParallelism, MaxRetries = Options.MaxRetries, ReadTimeout = Options.RequestTimeout };
        return await ChunkedDownloader.DownloadAsync(source, remote, Path.GetFullPath(path), options, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes a state; deleting a missing state is not an error.</summary>
    public async Task DeleteAsync(StateKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var blobName = GetBlobName(key);
        try
        {
            await Blob(blobName).DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (AzureBlobErrorTranslator.IsTranslatable(e, cancellationToken))
        {
            throw _errors.Translate(e, "delete", blobName, key);
        }
    }

    private BlockBlobClient Blob(string blobName) => _container.GetBlockBlobClient(blobName);

    private async Task<BlobProperties?> TryGetPropertiesAsync(StateKey key, string blobName, CancellationToken cancellationToken)
    {
        try
        {
            var properties = await Blob(blobName).GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            _containerSeen = true;
            return properties.Value;
        }
        catch (RequestFailedException e) when (e.Status == 404 && e.ErrorCode != "ContainerNotFound")
        {
            // A HEAD answer has no body; the service names the error in a header, but only a known container makes a
            // missing blob certain.
            await EnsureContainerAsync(blobName, key, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (Exception e) when (AzureBlobErrorTranslator.IsTranslatable(e, cancellationToken))
        {
            throw _errors.Translate(e, "properties request", blobName, key);
        }
    }

    private async Task EnsureContainerAsync(string blobName, StateKey key, CancellationToken cancellationToken)
    {
        if (_containerSeen)
        {
            return;
        }

        try
        {
            await _container.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            _containerSeen = true;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            throw new StateStoreException(StateStoreError.ContainerNotFound, $"Azure Blob properties request of {_errors.Address(blobName)} (state {key}) failed: the container '{Container}' does not exist.", key, e);
        }
        catch (Exception e) when (AzureBlobErrorTranslator.IsTranslatable(e, cancellationToken))
        {
            throw _errors.Translate(e, "container properties request", null, key);
        }
    }

    private StateStoreException NotFound(StateKey key, string blobName, Exception inner) =>
        new(StateStoreError.NotFound, $"State {key} was not found in {Description} (no blob {_errors.Address(blobName)}).", key, inner);

    private StateStoreException AlreadyExists(StateKey key, string blobName, Exception? inner, string why) =>
        new(StateStoreError.AlreadyExists, $"State {key} already exists in {Description} ({_errors.Address(blobName)}): {why}.", key, inner);
}
