using ModelStore.Oci.Registry;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Oci;

/// <summary>
/// A store in one repository of an OCI registry (GitHub Container Registry, Azure Container Registry, Amazon ECR, Harbor,
/// distribution): each state is a CNCF ModelPack artifact tagged with its key, <c>pytorch/resnet18.cls1000.imagenet</c>
/// as <c>pytorch.resnet18.cls1000.imagenet</c>, whose one raw layer holds the state's bytes under the file name
/// <c>pytorch.resnet18.cls1000.imagenet.pt</c>. Listing reads the repository's tags (other tags are ignored).
/// </summary>
/// <remarks>
/// <para>Reads verify every blob by its sha256 digest; <see cref="DownloadToFileAsync"/> downloads with parallel ranged,
/// resumable reads. Writes upload the blob (skipped when the registry has it, mounted from <see cref="OciStoreOptions.MountFrom"/>
/// when one of those repositories has it, chunked when large), then the config, then the manifest under the tag, so a
/// reader sees the old state or the new one, never a part. A tag is not created atomically: two writers creating the
/// same key at once both succeed and the last one wins.</para>
/// <para><see cref="AtReference"/> reads one artifact by tag or digest and pins a tag to its digest for lock files
/// (<see cref="IRevisionedStore"/>); <see cref="ForFile"/> reads one file of each state's artifact (a bundle's file).</para>
/// <para>Credentials: <c>MODELSTORE_OCI_USERNAME</c>/<c>MODELSTORE_OCI_PASSWORD</c>, <c>REGISTRY_AUTH_FILE</c>, docker's
/// <c>config.json</c> and its credential helpers; basic or bearer-token authentication as the registry asks.</para>
/// <para>Errors: <see cref="StateStoreError.NotFound"/>, <see cref="StateStoreError.AlreadyExists"/>,
/// <see cref="StateStoreError.AccessDenied"/> (the message says which credentials were used and how to give others),
/// <see cref="StateStoreError.IntegrityMismatch"/>, <see cref="StateStoreError.InvalidContent"/> (a malformed manifest,
/// an artifact that is not a model), <see cref="StateStoreError.Unreachable"/>, <see cref="StateStoreError.Timeout"/>,
/// <see cref="StateStoreError.RateLimited"/>.</para>
/// </remarks>
public sealed class OciStateStore : StateStore, IFileDownloadingStore, IFileAddressableStore
{
    private readonly OciStoreOptions _options;
    private readonly OciArtifacts _artifacts;

    /// <summary>Creates a store on <paramref name="repository"/> of <paramref name="registry"/>; no request is made until the first operation.</summary>
    /// <param name="registry">The registry's host and optional port, such as <c>ghcr.io</c> or <c>127.0.0.1:5000</c>.</param>
    /// <param name="repository">The repository, such as <c>team/models</c>.</param>
    /// <param name="options">Transport, trust, uploads and downloads; defaults when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">The registry, repository or an option is invalid; the message says why.</exception>
    public OciStateStore(string registry, string repository, OciStoreOptions? options = null)
    {
        _options = options?.Clone() ?? new OciStoreOptions();
        _options.Validate();
        Registry = OciNames.ValidateRegistry(registry, nameof(registry));
        Repository = OciNames.ValidateRepository(repository, nameof(repository));
        _artifacts = new OciArtifacts(new RegistryClient(Registry, Repository, _options), _options);
    }

    /// <summary>The registry, <c>host[:port]</c>.</summary>
    public string Registry { get; }

    /// <summary>The repository.</summary>
    public string Repository { get; }

    /// <inheritdoc />
    public override string Description => $"OCI repository {Registry}/{Repository}";

    /// <inheritdoc />
    /// <remarks><c>oci:{registry}/{repository}</c>.</remarks>
    public override string Id => $"oci:{Registry}/{Repository}";

    /// <summary>The tag a state has in the repository: its key with the <c>/</c> turned into a <c>.</c>.</summary>
    /// <exception cref="ArgumentException">The key cannot be a tag (non-ASCII letters, a leading dash, over 128 characters).</exception>
    public static string GetTag(StateKey key) => OciNames.TagOf(key);

    /// <inheritdoc />
    public override Task<bool> ExistsAsync(StateKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return _artifacts.ExistsAsync(GetTag(key), null, key, cancellationToken);
    }

    /// <inheritdoc />
    public override async Task<IReadOnlyList<StateKey>> GetStateKeysAsync(StateType stateType, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stateType);
        cancellationToken.ThrowIfCancellationRequested();
        var tags = await _artifacts.Client.ListTagsAsync(cancellationToken).ConfigureAwait(false);
        return tags.Select(OciNames.TryParseTag)
            .OfType<StateKey>()
            .Where(key => key.StateType.IsCompatibleWith(stateType))
            .Distinct()
            .OrderBy(key => key.ToString(), StringComparer.Ordinal)
            .ToArray();
    }

    /// <inheritdoc />
    public override Task<Stream> OpenReadAsync(StateKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return _artifacts.OpenReadAsync(GetTag(key), null, key, cancellationToken);
    }

    /// <inheritdoc />
    public Task<FileDownload> DownloadToFileAsync(StateKey key, string path, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return _artifacts.DownloadToFileAsync(GetTag(key), null, key, path, progress, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>Pushes a one-layer ModelPack artifact and tags it with the key.</remarks>
    public override Task WriteAsync(StateKey key, Stream content, bool overwrite = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(content);
        return PushAsync(key, [new(OciArtifacts.FileNameOf(key), content)], overwrite, cancellationToken);
    }

    /// <summary>
    /// Stores a bundle under <paramref name="key"/>: one ModelPack artifact with one raw layer per file, each named by its
    /// path (<c>org.cncf.model.filepath</c>), read back one by one with <see cref="ForFile"/>.
    /// </summary>
    /// <param name="key">The state.</param>
    /// <param name="files">Each file's path inside the artifact (relative, <c>/</c>-separated) and its content.</param>
    /// <param name="overwrite">Whether an existing state under the key is replaced.</param>
    /// <param name="cancellationToken">Stops the upload; nothing is tagged then.</param>
    /// <exception cref="ArgumentException">No file, a path twice, or an invalid path.</exception>
    /// <exception cref="StateStoreException"><see cref="StateStoreError.AlreadyExists"/> when the key exists and <paramref name="overwrite"/> is false.</exception>
    public Task WriteFilesAsync(StateKey key, IReadOnlyList<KeyValuePair<string, Stream>> files, bool overwrite = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(files);
        if (files.Count == 0)
        {
            throw new ArgumentException("A bundle needs at least one file.", nameof(files));
        }

        var paths = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (path, content) in files)
        {
            ArgumentNullException.ThrowIfNull(content, nameof(files));
            if (!paths.Add(OciNames.ValidateFilePath(path, nameof(files))))
            {
                throw new ArgumentException($"The file '{path}' is listed twice.", nameof(files));
            }
        }

        return PushAsync(key, files, overwrite, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>
    /// The view reads the file <paramref name="path"/> of each state's artifact (the key picks the artifact, the path its
    /// layer); its <see cref="IStateStore.Id"/> is <c>oci-file:{registry}/{repository}/{path}</c>. It is read-only and lists no keys.
    /// </remarks>
    public IStateStore ForFile(string path) =>
        new OciFileView(_artifacts, GetTag, OciNames.ValidateFilePath(path, nameof(path)), $"oci-file:{Registry}/{Repository}/{path}", $"file {path} of the states in {Description}");

    /// <summary>
    /// The one artifact <paramref name="reference"/> (a tag such as <c>v1</c>, or a <c>sha256:</c> digest) of this
    /// repository as a read-only store, versioned: a tag resolves to the digest it points to, which a lock file records.
    /// No request is made.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="reference"/> is neither a tag nor a digest.</exception>
    public OciArtifactStore AtReference(string reference) => new(_artifacts, Registry, Repository, OciNames.ValidateReference(reference, nameof(reference)));

    private StateStoreException AlreadyExists(StateKey key) =>
        new(StateStoreError.AlreadyExists, $"State {key} already exists in {Description} (tag {GetTag(key)}); pass overwrite: true to replace it.", key);

    private async Task PushAsync(StateKey key, IReadOnlyList<KeyValuePair<string, Stream>> files, bool overwrite, CancellationToken cancellationToken)
    {
        var tag = GetTag(key);
        cancellationToken.ThrowIfCancellationRequested();
        var client = _artifacts.Client;
        if (!overwrite && await client.HeadManifestAsync(tag, key, cancellationToken).ConfigureAwait(false) is not null)
        {
            throw AlreadyExists(key);
        }

        string? format = null;
        var layers = new List<OciDescriptor>();
        foreach (var (path, content) in files)
        {
            var isStateFile = layers.Count == 0;
            layers.Add(await client.PushBlobAsync(content, ModelPack.MediaTypeFor(path), path, head => format ??= isStateFile ? OciManifest.SniffFormat(head.Span) : null, key, cancellationToken).ConfigureAwait(false));
        }

        var config = await client.PushBlobAsync(OciManifest.WriteConfig(key, format, layers.Select(layer => layer.Digest)), ModelPack.ConfigMediaType, key, cancellationToken).ConfigureAwait(false);
        var manifest = OciManifest.Write(config, layers);
        cancellationToken.ThrowIfCancellationRequested();
        if (!overwrite && await client.HeadManifestAsync(tag, key, cancellationToken).ConfigureAwait(false) is not null)
        {
            throw AlreadyExists(key); // Another writer tagged it meanwhile.
        }

        await client.PutManifestAsync(tag, manifest, key, cancellationToken).ConfigureAwait(false);
    }
}
