using ModelStore.Downloads;
using ModelStore.HuggingFace.Http;
using ModelStore.IO;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.HuggingFace;

/// <summary>
/// A read-only store on a Hugging Face Hub repository (a model or a dataset), read at one revision (a branch, a tag or a
/// commit). States are found two ways: in MoZuMa's layout under <see cref="BasePath"/>
/// (<c>{basePath}{backend}/{architecture}[.{extra}...].{trainingId}.pt</c>, listed through the tree API), so a repository
/// can serve as a team store; or by path, any file of the repository (<see cref="ForFile"/>: <c>model.safetensors</c>,
/// <c>onnx/model.onnx</c>).
/// </summary>
/// <remarks>
/// <para>Bytes come from <c>{endpoint}/{repo}/resolve/{revision}/{path}</c>, following the Hub's redirect to its storage
/// host (which never receives the token). Before bytes are handed over they are checked against the content id the Hub
/// gives for the file: the LFS SHA-256 of a large file (<c>X-Linked-Etag</c>), the Git blob SHA-1 of a small one
/// (<c>ETag</c>). <see cref="DownloadToFileAsync"/> downloads with parallel ranged reads and resumes an interrupted
/// download; <see cref="ResolveRevisionAsync"/> and <see cref="AtRevision"/> pin a branch to the commit it points to,
/// which the build records in its lock file.</para>
/// <para>Credentials: <c>HF_TOKEN</c>, else <c>HUGGING_FACE_HUB_TOKEN</c>, else the token file of <c>hf auth login</c>;
/// never logged, never sent to storage hosts. <c>HF_ENDPOINT</c> selects a mirror; <c>HF_HUB_OFFLINE=1</c> (or
/// <c>TRANSFORMERS_OFFLINE=1</c> while <c>HF_HUB_OFFLINE</c> is unset, as huggingface_hub reads them) stops every
/// request (<see cref="StateStoreError.Unreachable"/>), leaving the cache to serve.</para>
/// <para>Errors: <see cref="StateStoreError.NotFound"/> (a missing state, file or revision; the message lists close
/// matches), <see cref="StateStoreError.AccessDenied"/> (a gated or private repository without a token with access;
/// the message says which variable to set), <see cref="StateStoreError.ContainerNotFound"/> (no such repository),
/// <see cref="StateStoreError.RateLimited"/> (with <see cref="StateStoreException.RetryAfter"/>),
/// <see cref="StateStoreError.IntegrityMismatch"/>, <see cref="StateStoreError.Unreachable"/>,
/// <see cref="StateStoreError.Timeout"/>, and <see cref="StateStoreError.ReadOnly"/> for every write: this store does
/// not publish to the Hub.</para>
/// </remarks>
public sealed class HuggingFaceStateStore : StateStore, IFileDownloadingStore, IFileListingStore, IRevisionedStore, ILocalCopyStore
{
    private const int MaxListedForMatches = 3000;

    private readonly HuggingFaceStoreOptions _options;
    private readonly HubClient _client;
    private readonly HuggingFaceHubCache? _hubCache;

    // The commit the Hub said Revision (a branch or tag) points to, when this store asked (ResolveRevisionAsync).
    private volatile string? _resolvedCommit;

    // For a store pinned to the commit its branch was just resolved to (AtRevision): that branch, whose ref sharing writes.
    private string? _branchAtCommit;

    /// <summary>Creates a store on <paramref name="repository"/>; no request is made until the first operation.</summary>
    /// <param name="repository">The repository id, <c>org/name</c>.</param>
    /// <param name="options">Endpoint, repository type, revision, base path, timeouts; defaults when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">The repository id, revision or endpoint is invalid; the message says why.</exception>
    public HuggingFaceStateStore(string repository, HuggingFaceStoreOptions? options = null)
    {
        _options = options?.Clone() ?? new HuggingFaceStoreOptions();
        ArgumentNullException.ThrowIfNull(_options.EnvironmentVariables, "options.EnvironmentVariables");
        ArgumentNullException.ThrowIfNull(_options.Download, "options.Download");
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_options.RequestTimeout, TimeSpan.Zero, "options.RequestTimeout");
        ArgumentOutOfRangeException.ThrowIfNegative(_options.MaxRetries, "options.MaxRetries");
        _options.Download.Validate();
        if (!Enum.IsDefined(_options.RepoType))
        {
            throw new ArgumentException($"RepoType {_options.RepoType} is not a repository type: use Model or Dataset.", nameof(options));
        }

        Repository = HubNames.ValidateRepository(repository, nameof(repository));
        Revision = HubNames.ValidateRevision(_options.Revision, "options.Revision");
        BasePath = ObjectStoreLayout.NormalizeBasePath(_options.BasePath);
        if (BasePath.Length > 0)
        {
            HubNames.ValidatePath(BasePath.TrimEnd('/'), "options.BasePath");
        }

        Endpoint = ResolveEndpoint(_options);
        _client = new HubClient(Endpoint, Repository, _options.RepoType, HuggingFaceCredentials.FromEnvironment(_options.EnvironmentVariables), _options, OfflineVariable(_options.EnvironmentVariables));
        if (_options.ReadHubCache || _options.ShareHubCache)
        {
            _hubCache = new HuggingFaceHubCache(_options.HubCacheFolder ?? HuggingFaceHubCache.GetDefaultRoot(_options.EnvironmentVariables));
        }
    }

    /// <summary>The repository id, <c>org/name</c>.</summary>
    public string Repository { get; }

    /// <summary>Whether the repository is a model or a dataset.</summary>
    public HuggingFaceRepoType RepoType => _options.RepoType;

    /// <inheritdoc />
    public string Revision { get; }

    /// <summary>The folder of the MoZuMa layout in the repository (empty, or ending with <c>/</c>).</summary>
    public string BasePath { get; }

    /// <summary>The Hub's address (ends with <c>/</c>): the option, else <c>HF_ENDPOINT</c>, else <c>https://huggingface.co/</c>.</summary>
    public Uri Endpoint { get; }

    /// <inheritdoc />
    public override string Description => $"{RevisionDescription}{(BasePath.Length == 0 ? "" : $", states under {BasePath}")}";

    /// <inheritdoc />
    /// <remarks><c>hf:{endpoint}/{repo}@{revision}/{basePath}</c> (<c>/datasets/{repo}</c> for a dataset).</remarks>
    public override string Id => $"hf:{RepositoryAddress}@{Revision}/{BasePath}";

    /// <summary><c>{endpoint}/{repo}</c> or <c>{endpoint}/datasets/{repo}</c>, without a trailing slash.</summary>
    internal string RepositoryAddress => _client.RepositoryPage.AbsoluteUri.TrimEnd('/');

    internal HubClient Client => _client;

    /// <summary>The repository and revision, for messages: <c>Hugging Face model repository org/name on https://huggingface.co at revision main</c>.</summary>
    internal string RevisionDescription => $"Hugging Face {_client.RepositoryLabel} at revision {Revision}";

    /// <summary>The path of <paramref name="key"/>'s file in the repository (MoZuMa's layout under <see cref="BasePath"/>).</summary>
    public string GetFilePath(StateKey key) => ObjectStoreLayout.GetObjectName(BasePath, key);

    /// <summary>The address the bytes of the file at <paramref name="path"/> are downloaded from, at <see cref="Revision"/>.</summary>
    public Uri GetResolveUri(string path) => _client.ResolveUri(Revision, HubNames.ValidatePath(path, nameof(path)));

    /// <inheritdoc />
    public override async Task<bool> ExistsAsync(StateKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return await FileExistsAsync(GetFilePath(key), key, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>Lists the folder <c>{basePath}{backend}</c> (page after page) and keeps the files of MoZuMa's layout with the same backend and architecture.</remarks>
    public override async Task<IReadOnlyList<StateKey>> GetStateKeysAsync(StateType stateType, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stateType);
        // The tree API lists folders, not prefixes: the backend's folder, filtered by architecture below.
        var folder = BasePath + stateType.Backend;
        var keys = new List<StateKey>();
        try
        {
            await foreach (var entry in _client.ListTreeAsync(Revision, folder, recursive: false, cancellationToken).ConfigureAwait(false))
            {
                // Folders and foreign files (a README, other layouts, other architectures) are skipped.
                if (entry.IsFile && ObjectStoreLayout.TryParseObjectName(BasePath, entry.Path) is { } key && key.StateType.IsCompatibleWith(stateType))
                {
                    keys.Add(key);
                }
            }
        }
        catch (HubMissingException e) when (e.Missing == HubMissing.Entry)
        {
            return []; // No folder for this backend: no state of it.
        }
        catch (HubMissingException e)
        {
            throw await DescribeMissingAsync(e, $"Listing states of type {stateType} in {Description} failed", folder, null, cancellationToken).ConfigureAwait(false);
        }

        keys.Sort((a, b) => string.CompareOrdinal(a.ToString(), b.ToString()));
        return keys;
    }

    /// <inheritdoc />
    /// <remarks>The bytes are checked against the file's content id as they are read: the last read fails with <see cref="StateStoreError.IntegrityMismatch"/> when they differ.</remarks>
    public override async Task<Stream> OpenReadAsync(StateKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return await OpenFileAsync(GetFilePath(key), key, $"State {key} was not found in {Description}", cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    /// <remarks>Always: the Hub is asked for the file's metadata before any read, and a download may also go into huggingface_hub's cache.</remarks>
    bool IFileDownloadingStore.DownloadsEveryState => true;

    /// <inheritdoc />
    public async Task<FileDownload> DownloadToFileAsync(StateKey key, string path, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return await DownloadFileAsync(GetFilePath(key), key, $"State {key} was not found in {Description}", path, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Looks in huggingface_hub's cache (<see cref="HuggingFaceStoreOptions.ReadHubCache"/>) for the file at
    /// <see cref="Revision"/> (a commit, or a branch that cache has a ref for), else for the blob named by the SHA-256;
    /// nothing is asked of the Hub, so it works with <c>HF_HUB_OFFLINE=1</c>.
    /// </remarks>
    public Task<FileDownload?> CopyLocalAsync(StateKey key, string sha256, string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return CopyLocalFileAsync(GetFilePath(key), sha256, path, cancellationToken);
    }

    /// <inheritdoc />
    /// <exception cref="StateStoreException">Always: <see cref="StateStoreError.ReadOnly"/>.</exception>
    public override Task WriteAsync(StateKey key, Stream content, bool overwrite = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(content);
        throw ReadOnly(key, Description);
    }

    /// <inheritdoc />
    /// <exception cref="StateStoreException">Always: <see cref="StateStoreError.ReadOnly"/>.</exception>
    public override Task<StateKey> SaveAsync(IModelWithState model, string trainingId, bool overwrite = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        throw ReadOnly(new StateKey(model.StateType, trainingId), Description);
    }

    /// <inheritdoc />
    /// <remarks>
    /// The view serves the file at <paramref name="path"/> under any key; its <see cref="IStateStore.Id"/> is
    /// <c>hf-file:{endpoint}/{repo}@{revision}/{path}</c>. It lists no keys (it has no layout).
    /// </remarks>
    public IStateStore ForFile(string path) => new HuggingFaceFileView(this, HubNames.ValidatePath(path, nameof(path)));

    /// <inheritdoc />
    /// <remarks>The tree of the whole repository at <see cref="Revision"/> (page after page); a large (LFS) file carries its SHA-256.</remarks>
    public async Task<IReadOnlyList<StoreFile>> ListFilesAsync(CancellationToken cancellationToken = default)
    {
        var files = new List<StoreFile>();
        try
        {
            await foreach (var entry in _client.ListTreeAsync(Revision, "", recursive: true, cancellationToken).ConfigureAwait(false))
            {
                if (entry.IsFile)
                {
                    files.Add(new StoreFile(entry.Path, entry.Size) { Sha256 = entry.Sha256 });
                }
            }
        }
        catch (HubMissingException e)
        {
            throw await DescribeMissingAsync(e, $"Listing the files of {Description} failed", "", null, cancellationToken).ConfigureAwait(false);
        }

        files.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return files;
    }

    /// <summary>
    /// A read-only store of the given states, each one a file of the repository (MoZuMa's <c>AbstractListStateStore</c> on
    /// the Hub): it lists exactly these keys and reads each from its path.
    /// </summary>
    /// <param name="files">Each key and the path of its file, for example <c>onnx/model.onnx</c>.</param>
    /// <exception cref="ArgumentException">A key is listed twice, or a path is invalid.</exception>
    public IStateStore ForFiles(IEnumerable<KeyValuePair<StateKey, string>> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var map = new Dictionary<StateKey, string>();
        foreach (var (key, path) in files)
        {
            ArgumentNullException.ThrowIfNull(key);
            if (!map.TryAdd(key, HubNames.ValidatePath(path, nameof(files))))
            {
                throw new ArgumentException($"State {key} is listed twice.", nameof(files));
            }
        }

        return new HuggingFaceFileView(this, map);
    }

    /// <inheritdoc />
    /// <remarks>A full commit id is returned as it is, with no request; a branch or tag is asked of the Hub.</remarks>
    public async Task<string> ResolveRevisionAsync(CancellationToken cancellationToken = default)
    {
        if (HubNames.IsCommit(Revision))
        {
            return Revision;
        }

        try
        {
            return _resolvedCommit = await _client.GetCommitAsync(Revision, cancellationToken).ConfigureAwait(false);
        }
        catch (HubMissingException e)
        {
            throw await DescribeMissingAsync(e, $"Revision {Revision} cannot be resolved in {Description}", "", null, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The same store reading <paramref name="revision"/> (a commit id from <see cref="ResolveRevisionAsync"/>, or any branch or tag). No request is made.</summary>
    /// <remarks>
    /// With <see cref="HuggingFaceStoreOptions.ShareHubCache"/>, a store pinned to the commit this store's branch was just
    /// resolved to also writes <c>refs/{branch}</c> into huggingface_hub's cache with what it downloads; one pinned to any
    /// other commit (a lock file's) does not, since that commit says nothing about where the branch is now.
    /// </remarks>
    /// <exception cref="ArgumentException"><paramref name="revision"/> is not a valid revision.</exception>
    public HuggingFaceStateStore AtRevision(string revision)
    {
        var options = _options.Clone();
        options.Revision = HubNames.ValidateRevision(revision, nameof(revision));
        options.Endpoint = Endpoint;
        options.BasePath = BasePath;
        return new HuggingFaceStateStore(Repository, options)
        {
            _branchAtCommit = options.Revision == _resolvedCommit ? Revision : null,
        };
    }

    /// <inheritdoc />
    IRevisionedStore IRevisionedStore.AtRevision(string revision) => AtRevision(revision);

    internal static StateStoreException ReadOnly(StateKey key, string description) =>
        new(StateStoreError.ReadOnly, $"Cannot save {key}: {description} is read-only (ModelStore reads the Hugging Face Hub; publish with huggingface_hub or the hf command, or save to a local, S3 or GitHub store).", key);

    internal async Task<bool> FileExistsAsync(string path, StateKey key, CancellationToken cancellationToken)
    {
        try
        {
            await _client.GetFileMetadataAsync(Revision, path, key, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (HubMissingException e) when (e.Missing == HubMissing.Entry)
        {
            return false;
        }
        catch (HubMissingException e)
        {
            throw await DescribeMissingAsync(e, $"Looking for {key} in {Description} failed", path, key, cancellationToken).ConfigureAwait(false);
        }
    }

    internal async Task<Stream> OpenFileAsync(string path, StateKey key, string notFound, CancellationToken cancellationToken)
    {
        var source = new HubFileSource(_client, Revision, path, key);
        await GetObjectAsync(source, path, key, notFound, cancellationToken).ConfigureAwait(false);
        if (await FindInHubCacheAsync(source.Metadata, cancellationToken).ConfigureAwait(false) is { } cached)
        {
            // Checked again as it is read: the other program may change its cache after the check.
            var file = new FileStream(cached, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
            return new HubVerifyingStream(file, null, source.Metadata, _client.RepositoryLabel, key);
        }

        return await source.OpenVerifiedAsync(cancellationToken).ConfigureAwait(false);
    }

    internal async Task<FileDownload> DownloadFileAsync(string path, StateKey key, string notFound, string target, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(target);
        var file = Path.GetFullPath(target);
        var source = new HubFileSource(_client, Revision, path, key);
        var remote = await GetObjectAsync(source, path, key, notFound, cancellationToken).ConfigureAwait(false);
        if (await FindInHubCacheAsync(source.Metadata, cancellationToken).ConfigureAwait(false) is { } cached
            && await CopyFromHubCacheAsync(cached, source.Metadata, file, key, cancellationToken).ConfigureAwait(false) is { } copied)
        {
            if (_options.ShareHubCache)
            {
                // Found as a blob another commit shares, or under a ref that moved: this commit's snapshot gets its link too.
                await ShareWithHubCacheAsync(source.Metadata, file, cancellationToken).ConfigureAwait(false);
            }

            return copied;
        }

        var download = await ChunkedDownloader.DownloadAsync(source, remote, file, _options.Download, progress, cancellationToken).ConfigureAwait(false);
        try
        {
            await HubContentCheck.VerifyFileAsync(source.Metadata, file, download, _client.RepositoryLabel, key, cancellationToken).ConfigureAwait(false);
        }
        catch (StateStoreException)
        {
            // Damaged bytes must not be resumed from either.
            AtomicFile.Discard(file);
            ChunkedDownloader.DiscardJournal(file);
            throw;
        }

        if (_options.ShareHubCache)
        {
            await ShareWithHubCacheAsync(source.Metadata, file, cancellationToken).ConfigureAwait(false);
        }

        return download;
    }

    internal async Task<FileDownload?> CopyLocalFileAsync(string path, string sha256, string target, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(target);
        if (sha256 is null || sha256.Length != 64 || !sha256.All(char.IsAsciiHexDigit))
        {
            throw new ArgumentException("The expected SHA-256 must be 64 hexadecimal digits.", nameof(sha256));
        }

        if (!_options.ReadHubCache || _hubCache is null)
        {
            return null;
        }

        var copied = await _hubCache.CopyMatchingAsync(Repository, Revision, path, sha256.ToLowerInvariant(), Path.GetFullPath(target), RepoType, cancellationToken).ConfigureAwait(false);
        if (copied is not null && _options.ShareHubCache && HubNames.IsCommit(Revision))
        {
            // Copied from a large file's blob (named by its SHA-256) another commit shares: this commit's snapshot links to it too.
            await ShareWithHubCacheAsync(Revision, path, copied.Sha256, target, cancellationToken).ConfigureAwait(false);
        }

        return copied;
    }

    /// <summary>The file in huggingface_hub's cache with the content id the Hub gives, when reading that cache is on.</summary>
    private Task<string?> FindInHubCacheAsync(HubFileMetadata metadata, CancellationToken cancellationToken) =>
        _options.ReadHubCache && _hubCache is not null ? _hubCache.FindAsync(Repository, RepoType, metadata, cancellationToken) : Task.FromResult<string?>(null);

    /// <summary>
    /// Copies a file found in huggingface_hub's cache to <paramref name="target"/> atomically, with no byte downloaded,
    /// and checks the copy against the Hub's content id again (the other program may have changed the file since it was
    /// found); <see langword="null"/>, and no copy left, when it no longer matches.
    /// </summary>
    private async Task<FileDownload?> CopyFromHubCacheAsync(string cached, HubFileMetadata metadata, string target, StateKey key, CancellationToken cancellationToken)
    {
        var (size, sha256) = await HuggingFaceHubCache.CopyAsync(cached, target, cancellationToken).ConfigureAwait(false);
        var copied = new FileDownload(size, 0, sha256);
        try
        {
            await HubContentCheck.VerifyFileAsync(metadata, target, copied, _client.RepositoryLabel, key, cancellationToken).ConfigureAwait(false);
            return copied;
        }
        catch (StateStoreException)
        {
            AtomicFile.Discard(target);
            return null;
        }
    }

    /// <summary>Writes a verified download into huggingface_hub's layout, named by the content id the Hub gave.</summary>
    private Task ShareWithHubCacheAsync(HubFileMetadata metadata, string file, CancellationToken cancellationToken) =>
        (metadata.Sha256 ?? metadata.GitBlobSha1) is { } etag && HubNames.IsCommit(metadata.Commit)
            ? ShareWithHubCacheAsync(metadata.Commit, metadata.Path, etag, file, cancellationToken)
            : Task.CompletedTask; // huggingface_hub names blobs by content id: a file without one has no place in its cache.

    /// <summary>
    /// Writes a verified file into huggingface_hub's layout, with <c>refs/{branch}</c> only when the Hub said just now
    /// that the branch points to <paramref name="commit"/> (this store reads the branch, or was pinned to the commit it was
    /// resolved to); a cache that cannot be written does not fail the download.
    /// </summary>
    private async Task ShareWithHubCacheAsync(string commit, string path, string etag, string file, CancellationToken cancellationToken)
    {
        var branch = HubNames.IsCommit(Revision) ? (commit == Revision ? _branchAtCommit : null) : Revision;
        try
        {
            await _hubCache!.WriteAsync(Repository, commit, path, etag, file, branch, RepoType, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Sharing is a courtesy to other tools; our own cache already holds the verified bytes.
        }
    }

    private async Task<RemoteObject> GetObjectAsync(HubFileSource source, string path, StateKey key, string notFound, CancellationToken cancellationToken)
    {
        try
        {
            return await source.GetObjectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (HubMissingException e)
        {
            throw await DescribeMissingAsync(e, notFound, path, key, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A not-found error completed with what exists: close branch and tag names, or close file paths.</summary>
    private async Task<StateStoreException> DescribeMissingAsync(HubMissingException missing, string headline, string path, StateKey? key, CancellationToken cancellationToken)
    {
        string detail;
        try
        {
            if (missing.Missing == HubMissing.Revision)
            {
                var names = await _client.ListRefNamesAsync(cancellationToken).ConfigureAwait(false);
                var close = CloseMatches.Find(Revision, names);
                detail = $"Revision '{Revision}' does not exist in the {_client.RepositoryLabel}. "
                    + (close.Count > 0 ? $"Close matches: {string.Join(", ", close)}."
                        : names.Count > 0 ? $"Its branches and tags: {string.Join(", ", names.Take(10))}{(names.Count > 10 ? ", ..." : "")}."
                        : "It has no branch or tag.")
                    + " A commit id works too.";
            }
            else
            {
                var revision = missing.Commit is { } commit && !string.Equals(commit, Revision, StringComparison.Ordinal) ? $"revision {Revision} (commit {commit})" : $"revision {Revision}";
                var files = new List<string>();
                await foreach (var entry in _client.ListTreeAsync(missing.Commit ?? Revision, "", recursive: true, cancellationToken).ConfigureAwait(false))
                {
                    if (entry.IsFile)
                    {
                        files.Add(entry.Path);
                    }

                    if (files.Count >= MaxListedForMatches)
                    {
                        break;
                    }
                }

                var close = CloseMatches.Find(path, files);
                detail = $"There is no file {path} at {revision}. "
                    + (close.Count > 0 ? $"Close matches: {string.Join(", ", close)}." : "No file has a close name.");
            }
        }
        catch (StateStoreException e) when (e is not HubMissingException)
        {
            detail = missing.Message;
        }
        catch (HubMissingException)
        {
            detail = missing.Message;
        }

        return new StateStoreException(StateStoreError.NotFound, $"{headline}. {detail}", key ?? missing.Key, missing);
    }

    private static Uri ResolveEndpoint(HuggingFaceStoreOptions options)
    {
        var text = options.Endpoint?.OriginalString ?? options.EnvironmentVariables("HF_ENDPOINT");
        if (string.IsNullOrWhiteSpace(text))
        {
            return HuggingFaceStoreOptions.DefaultEndpoint;
        }

        var source = options.Endpoint is null ? "HF_ENDPOINT" : "Endpoint";
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"{source} '{UrlRedaction.RedactText(text)}' is not an absolute http:// or https:// address, such as https://huggingface.co.", nameof(options));
        }

        if (UrlRedaction.HasUserInfo(uri) || !string.IsNullOrEmpty(uri.Query))
        {
            throw new ArgumentException($"{source} '{UrlRedaction.Redact(uri)}' carries credentials or a query; give the Hub's plain address and the token in HF_TOKEN.", nameof(options));
        }

        return new Uri(uri.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/");
    }

    // Read as huggingface_hub reads it (constants.py: `_is_true(os.environ.get("HF_HUB_OFFLINE") or
    // os.environ.get("TRANSFORMERS_OFFLINE"))`): HF_HUB_OFFLINE decides whenever it is set to a non-empty value, so
    // HF_HUB_OFFLINE=0 TRANSFORMERS_OFFLINE=1 is online; TRANSFORMERS_OFFLINE only counts when HF_HUB_OFFLINE is unset or
    // empty. True values: 1, ON, YES, TRUE. Returns the variable that made the store offline, or null when online.
    internal static string? OfflineVariable(Func<string, string?> environment)
    {
        var deciding = new[] { "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE" }.FirstOrDefault(name => !string.IsNullOrEmpty(environment(name)));
        return deciding is not null && environment(deciding)!.Trim().ToUpperInvariant() is "1" or "ON" or "YES" or "TRUE" ? deciding : null;
    }
}
