using System.Net;
using System.Runtime.ExceptionServices;
using Amazon.S3;
using Amazon.S3.Model;
using ModelStore.Downloads;
using ModelStore.IO;
using ModelStore.States;
using ModelStore.Stores;
using ModelStore.Uploads;

namespace ModelStore.S3;

/// <summary>
/// A store in an S3 bucket (Amazon S3 or any S3-compatible server), laid out exactly as MoZuMa's
/// <c>S3StateStore</c>: <c>{basePath}{backend}/{architecture}[.{extra}...].{trainingId}.pt</c>.
/// Unlike MoZuMa's, it also saves.
/// </summary>
/// <remarks>
/// Uploads stream (one PUT, or a multipart upload for states larger than a part); <see cref="DownloadToFileAsync"/>
/// fetches with parallel ranged GETs and resumes an interrupted download. Errors are <see cref="StateStoreException"/>s
/// naming the bucket and the object: <see cref="StateStoreError.ContainerNotFound"/> (no such bucket),
/// <see cref="StateStoreError.NotFound"/>, <see cref="StateStoreError.AccessDenied"/> (refused or missing credentials),
/// <see cref="StateStoreError.Unreachable"/>, <see cref="StateStoreError.Timeout"/>, <see cref="StateStoreError.RateLimited"/>.
/// Without <see cref="S3StateStoreOptions.UseConditionalCreate"/>, the overwrite refusal is a check before writing:
/// two writers creating the same key at the same moment may both succeed, the last one winning.
/// </remarks>
public sealed class S3StateStore : StateStore, IFileDownloadingStore, IFileListingStore, IObjectFiles, IDisposable
{
    private readonly AmazonS3Client _client;
    private readonly AmazonS3Client _uploadClient;
    private readonly S3ErrorTranslator _errors;
    private readonly S3Uploader _uploader;
    private volatile bool _bucketSeen;

    /// <summary>Creates a store; no request is made until the first operation.</summary>
    /// <exception cref="ArgumentException">
    /// The bucket is missing or breaks S3's naming rules (<see cref="S3BucketNames"/>), the base path has a <c>.</c>,
    /// <c>..</c> or empty segment (<see cref="StoreAddressRules"/>), or a size, count or time option is out of range.
    /// </exception>
    public S3StateStore(S3StateStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Bucket, "options.Bucket");
        S3BucketNames.Validate(options.Bucket, "S3 store");
        StoreAddressRules.ValidateBasePath(options.BasePath, "S3 store");
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.RequestTimeout, TimeSpan.Zero, "options.RequestTimeout");
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.UploadTimeout, TimeSpan.Zero, "options.UploadTimeout");
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxRetries, "options.MaxRetries");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MultipartPartSize, 5 * 1024 * 1024, "options.MultipartPartSize");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.DownloadChunkSize, 64 * 1024, "options.DownloadChunkSize");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.UploadParallelism, 1, "options.UploadParallelism");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.DownloadParallelism, 1, "options.DownloadParallelism");
        if (options.ServiceUrl is { } url && !Uri.TryCreate(url, UriKind.Absolute, out _))
        {
            throw new ArgumentException($"The S3 service URL '{UrlRedaction.RedactText(url)}' is not an absolute URL.", nameof(options));
        }

        if (options.ServiceUrl is { } address && Uri.TryCreate(address, UriKind.Absolute, out var serviceUri) && UrlRedaction.HasUserInfo(serviceUri))
        {
            throw new ArgumentException($"The S3 service URL '{UrlRedaction.Redact(serviceUri)}' carries a user name or password; credentials come from the AWS chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile), never from the address.", nameof(options));
        }

        Options = options;
        Endpoint = options.ServiceUrl?.TrimEnd('/') ?? options.Region ?? S3ClientFactory.DefaultRegion;
        Diagnostics.SecretScrubber.Register(options.SecretKey);
        Diagnostics.SecretScrubber.Register(options.SessionToken);
        _errors = new S3ErrorTranslator(options.Bucket, Endpoint, ChecksumHint(options));

        // Requests that wait for an answer are bounded by RequestTimeout; uploads send bodies and get UploadTimeout.
        _client = S3ClientFactory.Create(options, options.RequestTimeout);
        _uploadClient = S3ClientFactory.Create(options, options.UploadTimeout);
        _uploader = new S3Uploader(_uploadClient, options);
    }

    /// <summary>The options the store was created with.</summary>
    public S3StateStoreOptions Options { get; }

    /// <summary>The bucket.</summary>
    public string Bucket => Options.Bucket;

    /// <summary>The normalised base path (empty, or ending with <c>/</c>).</summary>
    public string BasePath => Options.BasePath;

    /// <summary>The service URL, or the Amazon S3 region, the store talks to.</summary>
    public string Endpoint { get; }

    /// <inheritdoc />
    public override string Description => $"S3 store s3://{Bucket}/{BasePath} at {Endpoint}";

    /// <inheritdoc />
    public override string Id => $"s3:{Endpoint}/{Bucket}/{BasePath}";

    /// <summary>The object name of <paramref name="key"/> in the bucket.</summary>
    public string GetObjectName(StateKey key) => ObjectStoreLayout.GetObjectName(BasePath, key);

    /// <inheritdoc />
    public override async Task<bool> ExistsAsync(StateKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        return await TryGetMetadataAsync(key, GetObjectName(key), cancellationToken).ConfigureAwait(false) is not null;
    }

    /// <inheritdoc />
    public override async Task<IReadOnlyList<StateKey>> GetStateKeysAsync(StateType stateType, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stateType);
        cancellationToken.ThrowIfCancellationRequested();
        var prefix = ObjectStoreLayout.GetListingPrefix(BasePath, stateType);
        var keys = new List<StateKey>();
        var request = new ListObjectsV2Request { BucketName = Bucket, Prefix = prefix };
        do
        {
            var page = await RunAsync("listing", prefix + "*", null, token => _client.ListObjectsV2Async(request, token), cancellationToken).ConfigureAwait(false);
            _bucketSeen = true;
            foreach (var entry in page.S3Objects ?? [])
            {
                // Foreign objects under the prefix (notes, partial uploads by other tools, other layouts) are skipped.
                var key = ObjectStoreLayout.TryParseObjectName(BasePath, entry.Key);
                if (key is not null && key.StateType.IsCompatibleWith(stateType))
                {
                    keys.Add(key);
                }
            }

            request.ContinuationToken = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (request.ContinuationToken is not null);

        keys.Sort((a, b) => string.CompareOrdinal(a.ToString(), b.ToString()));
        return keys;
    }

    /// <inheritdoc />
    /// <remarks>
    /// One streamed GET; use <see cref="DownloadToFileAsync"/> for large states. A connection that fails while the body is
    /// read, or stays silent for <see cref="S3StateStoreOptions.RequestTimeout"/>, is a <see cref="StateStoreException"/>.
    /// </remarks>
    public override async Task<Stream> OpenReadAsync(StateKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        return await OpenObjectAsync(GetObjectName(key), key, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>
    /// One ranged GET of the first <paramref name="expectedSize"/> bytes: the AWS SDK hashes every whole-object GET with MD5
    /// to compare with the ETag, which a caller that checks a SHA-256 would pay for twice. When the answer's
    /// <c>Content-Range</c> says the object is larger than that, or the object is empty (S3 refuses a range of an empty
    /// object), the state is read again with a whole-object GET, as <see cref="OpenReadAsync(StateKey, CancellationToken)"/>
    /// does: a wrong size costs a request, never other bytes.
    /// </remarks>
    public async Task<Stream> OpenSizedReadAsync(StateKey key, long expectedSize, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfNegative(expectedSize);
        cancellationToken.ThrowIfCancellationRequested();
        return await OpenObjectSizedAsync(GetObjectName(key), key, expectedSize, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// <see cref="OpenSizedReadAsync(StateKey, long, CancellationToken)"/> of <paramref name="objectName"/> (for
    /// <paramref name="key"/>): also what a file view (<see cref="ForFile"/>) reads a bundle's file with.
    /// </summary>
    internal async Task<Stream> OpenObjectSizedAsync(string objectName, StateKey key, long expectedSize, CancellationToken cancellationToken)
    {
        if (expectedSize > 0)
        {
            GetObjectResponse? response = null;
            try
            {
                response = await RunAsync(
                    "GET",
                    objectName,
                    key,
                    token => _client.GetObjectAsync(new GetObjectRequest { BucketName = Bucket, Key = objectName, ByteRange = new ByteRange(0, expectedSize - 1) }, token),
                    cancellationToken,
                    notFoundIsMissingKey: true).ConfigureAwait(false);
            }
            catch (StateStoreException e) when (e.InnerException is AmazonS3Exception { StatusCode: HttpStatusCode.RequestedRangeNotSatisfiable })
            {
                // An empty object: read whole below.
            }

            if (response is not null)
            {
                // 206 with the whole object in it, or 200 from a server that sends the whole object for any range.
                if (response.HttpStatusCode == HttpStatusCode.OK || (ObjectSize(response.ContentRange) is { } size && size <= expectedSize))
                {
                    return Guard(response, objectName, key);
                }

                response.Dispose();
            }
        }

        return await OpenObjectAsync(objectName, key, cancellationToken).ConfigureAwait(false);
    }

    // The object's whole size from a Content-Range ("bytes 0-9/65536"); null when absent or unknown ("*").
    private static long? ObjectSize(string? contentRange) =>
        contentRange is not null && contentRange.LastIndexOf('/') is var slash and >= 0
        && long.TryParse(contentRange.AsSpan(slash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var size)
            ? size
            : null;

    /// <inheritdoc />
    /// <remarks>The view reads the object <c>{basePath}{path}</c> under any key; its <see cref="IStateStore.Id"/> is <c>s3-file:{endpoint}/{bucket}/{basePath}{path}</c>.</remarks>
    public IStateStore ForFile(string path)
    {
        var objectName = BasePath + StoreFilePath(path);
        return new ObjectFileView(this, objectName, $"object s3://{Bucket}/{objectName} at {Endpoint}", $"s3-file:{Endpoint}/{Bucket}/{objectName}");
    }

    /// <inheritdoc />
    /// <remarks>Every object under the base path (page after page); folder markers (names ending with <c>/</c>) are left out.</remarks>
    public async Task<IReadOnlyList<StoreFile>> ListFilesAsync(CancellationToken cancellationToken = default)
    {
        var files = new List<StoreFile>();
        var request = new ListObjectsV2Request { BucketName = Bucket, Prefix = BasePath };
        do
        {
            var page = await RunAsync("listing", BasePath + "*", null, token => _client.ListObjectsV2Async(request, token), cancellationToken).ConfigureAwait(false);
            _bucketSeen = true;
            foreach (var entry in page.S3Objects ?? [])
            {
                var path = entry.Key[BasePath.Length..];
                if (ConfinedPath.IsPlainRelative(path))
                {
                    files.Add(new StoreFile(path, entry.Size ?? 0));
                }
            }

            request.ContinuationToken = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (request.ContinuationToken is not null);

        files.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return files;
    }

    /// <summary>One streamed GET of <paramref name="objectName"/> (for <paramref name="key"/>).</summary>
    internal async Task<Stream> OpenObjectAsync(string objectName, StateKey key, CancellationToken cancellationToken)
    {
        var response = await RunAsync("GET", objectName, key, token => _client.GetObjectAsync(Bucket, objectName, token), cancellationToken, notFoundIsMissingKey: true).ConfigureAwait(false);
        return Guard(response, objectName, key);
    }

    private ModelStore.IO.TransportGuardedStream Guard(GetObjectResponse response, string objectName, StateKey key) =>
        new(response.ResponseStream, response, $"S3 object s3://{Bucket}/{objectName} (state {key})", key, Options.RequestTimeout);

    Task<bool> IObjectFiles.ObjectExistsAsync(string objectName, StateKey key, CancellationToken cancellationToken) => ObjectExistsAsync(objectName, key, cancellationToken);

    Task<Stream> IObjectFiles.OpenObjectAsync(string objectName, StateKey key, CancellationToken cancellationToken) => OpenObjectAsync(objectName, key, cancellationToken);

    Task<Stream> IObjectFiles.OpenObjectSizedAsync(string objectName, StateKey key, long expectedSize, CancellationToken cancellationToken) => OpenObjectSizedAsync(objectName, key, expectedSize, cancellationToken);

    Task<FileDownload> IObjectFiles.DownloadObjectAsync(string objectName, StateKey key, string path, IProgress<long>? progress, CancellationToken cancellationToken) =>
        DownloadObjectAsync(objectName, key, path, progress, cancellationToken);

    Task IObjectFiles.WriteObjectAsync(string objectName, StateKey key, Stream content, bool overwrite, CancellationToken cancellationToken) =>
        WriteObjectAsync(objectName, key, content, overwrite, cancellationToken);

    /// <summary>Whether <paramref name="objectName"/> exists.</summary>
    internal async Task<bool> ObjectExistsAsync(string objectName, StateKey key, CancellationToken cancellationToken) =>
        await TryGetMetadataAsync(key, objectName, cancellationToken).ConfigureAwait(false) is not null;

    private static string StoreFilePath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Resolution.StateRequest.PathProblem(path) is { } problem ? throw new ArgumentException($"The file path {problem}.", nameof(path)) : path;
    }

    /// <inheritdoc />
    public override Task WriteAsync(StateKey key, Stream content, bool overwrite = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(content);
        cancellationToken.ThrowIfCancellationRequested();
        return WriteObjectAsync(GetObjectName(key), key, content, overwrite, cancellationToken);
    }

    /// <summary>Uploads <paramref name="objectName"/> (for <paramref name="key"/>), refusing to replace it unless <paramref name="overwrite"/>.</summary>
    internal async Task WriteObjectAsync(string objectName, StateKey key, Stream content, bool overwrite, CancellationToken cancellationToken)
    {
        if (!overwrite && await TryGetMetadataAsync(key, objectName, cancellationToken).ConfigureAwait(false) is not null)
        {
            throw new StateStoreException(StateStoreError.AlreadyExists, $"State {key} already exists in {Description} (s3://{Bucket}/{objectName}); it is replaced only when overwriting is asked for.", key);
        }

        var conditional = !overwrite && Options.UseConditionalCreate;
        try
        {
            await RunAsync<bool>("upload", objectName, key, async token =>
            {
                await _uploader.UploadAsync(objectName, content, conditional, token).ConfigureAwait(false);
                return true;
            }, cancellationToken, bounded: false).ConfigureAwait(false);
        }
        catch (SourceStreamException e)
        {
            ExceptionDispatchInfo.Throw(e.InnerException!);
        }
        catch (StateStoreException e) when (conditional && e.InnerException is AmazonS3Exception { StatusCode: HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict })
        {
            throw new StateStoreException(StateStoreError.AlreadyExists, $"State {key} already exists in {Description} (s3://{Bucket}/{objectName}): another writer created it first.", key, e);
        }
    }

    /// <inheritdoc />
    public async Task<FileDownload> DownloadToFileAsync(StateKey key, string path, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        cancellationToken.ThrowIfCancellationRequested();
        return await DownloadObjectAsync(GetObjectName(key), key, path, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Downloads <paramref name="objectName"/> (for <paramref name="key"/>) into <paramref name="path"/> with ranged requests, resuming.</summary>
    internal async Task<FileDownload> DownloadObjectAsync(string objectName, StateKey key, string path, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var source = new S3RangeSource(_client, Bucket, objectName, key, _errors, async token =>
            await TryGetMetadataAsync(key, objectName, token).ConfigureAwait(false) is { } metadata ? new RemoteObject(metadata.ContentLength, metadata.ETag) : null);
        var remote = await source.GetObjectAsync(cancellationToken).ConfigureAwait(false);
        var options = new ChunkedDownloadOptions { ChunkSize = Options.DownloadChunkSize, Parallelism = Options.DownloadParallelism, MaxRetries = Options.MaxRetries, ReadTimeout = Options.RequestTimeout };
        return await ChunkedDownloader.DownloadAsync(source, remote, Path.GetFullPath(path), options, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes a state; deleting a missing state is not an error.</summary>
    public async Task DeleteAsync(StateKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var objectName = GetObjectName(key);
        await RunAsync("DELETE", objectName, key, token => _client.DeleteObjectAsync(Bucket, objectName, token), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Releases the HTTP clients.</summary>
    public void Dispose()
    {
        _client.Dispose();
        _uploadClient.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the HTTP clients (the SDK's disposal is synchronous).</summary>
    public override ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    // Names the settings that make a server that refuses SDK v4's checksums or aws-chunked bodies work.
    private static string ChecksumHint(S3StateStoreOptions options) =>
        options.DisableChunkEncoding
            ? "The server refused the request's checksum or chunked body even with DisableChunkEncoding=true."
            : options.SendsChecksumsOnlyWhenRequired
                ? "The server refused the request's checksum or chunked body: set DisableChunkEncoding=true (plain signed bodies, checksums only when required)."
                : "The server refused the request's checksum: set ChecksumsOnlyWhenRequired=true (send checksums only when an operation requires them), or DisableChunkEncoding=true if it also refuses aws-chunked bodies.";

    private async Task<GetObjectMetadataResponse?> TryGetMetadataAsync(StateKey key, string objectName, CancellationToken cancellationToken)
    {
        try
        {
            using var bounded = Bound(cancellationToken);
            var metadata = await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = Bucket, Key = objectName }, bounded.Token).ConfigureAwait(false);
            _bucketSeen = true;
            return metadata;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            // A HEAD answer has no body: a missing bucket and a missing key both look like this.
            await EnsureBucketAsync(objectName, key, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (AmazonS3Exception e) when (e.StatusCode is not 0)
        {
            // A HEAD error has no body, hence no precise code (radosgw answers a bad signature with a bare 400):
            // the same question as a listing gets an answer that says what is wrong.
            await RunAsync("HEAD", objectName, key, token => _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Bucket, Prefix = objectName, MaxKeys = 1 }, token), cancellationToken).ConfigureAwait(false);
            throw _errors.Translate(e, "HEAD", objectName, key);
        }
        catch (Exception e) when (S3ErrorTranslator.IsTranslatable(e, cancellationToken))
        {
            throw _errors.Translate(e, "HEAD", objectName, key);
        }
    }

    private async Task EnsureBucketAsync(string objectName, StateKey key, CancellationToken cancellationToken)
    {
        if (!_bucketSeen)
        {
            await RunAsync("HEAD", objectName, key, token => _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Bucket, Prefix = objectName, MaxKeys = 1 }, token), cancellationToken).ConfigureAwait(false);
            _bucketSeen = true;
        }
    }

    // RequestTimeout bounds a request and its retries together: a silent server cannot hold an operation longer.
    private CancellationTokenSource Bound(CancellationToken cancellationToken)
    {
        var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(Options.RequestTimeout);
        return bounded;
    }

    private async Task<T> RunAsync<T>(string operation, string objectName, StateKey? key, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken, bool notFoundIsMissingKey = false, bool bounded = true)
    {
        try
        {
            if (!bounded)
            {
                return await action(cancellationToken).ConfigureAwait(false);
            }

            using var bound = Bound(cancellationToken);
            return await action(bound.Token).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (notFoundIsMissingKey && key is not null && e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode != "NoSuchBucket")
        {
            throw new StateStoreException(StateStoreError.NotFound, $"State {key} was not found in {Description} (no object s3://{Bucket}/{objectName}).", key, e);
        }
        catch (Exception e) when (S3ErrorTranslator.IsTranslatable(e, cancellationToken))
        {
            throw _errors.Translate(e, operation, objectName, key);
        }
    }
}
