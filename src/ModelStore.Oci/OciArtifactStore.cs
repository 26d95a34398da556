using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Oci;

/// <summary>
/// One ModelPack artifact of an OCI repository, by tag or digest, as a read-only, versioned store: the state it holds is
/// its file named after the key (<c>{tag}.pt</c>), else its only file; <see cref="ForFile"/> reads any of its files.
/// A tag resolves to the manifest digest it points to (<see cref="ResolveRevisionAsync"/>), which the build records in the
/// lock file, so a moved tag never changes a locked build (<see cref="AtRevision"/>).
/// </summary>
/// <remarks>Created by <see cref="OciStateStore.AtReference"/>, or by a <c>ModelStore</c> item of kind <c>Oci</c> with a <c>Reference</c>.</remarks>
public sealed class OciArtifactStore : StateStore, IRevisionedStore, IFileDownloadingStore, IFileListingStore
{
    private readonly OciArtifacts _artifacts;

    internal OciArtifactStore(OciArtifacts artifacts, string registry, string repository, string reference)
    {
        _artifacts = artifacts;
        Registry = registry;
        Repository = repository;
        Revision = reference;
    }

    /// <summary>The registry, <c>host[:port]</c>.</summary>
    public string Registry { get; }

    /// <summary>The repository.</summary>
    public string Repository { get; }

    /// <inheritdoc />
    /// <remarks>The reference read: a tag, or a <c>sha256:</c> manifest digest.</remarks>
    public string Revision { get; }

    /// <inheritdoc />
    public override string Description => $"OCI artifact {Registry}/{Repository}{Separator}{Revision}";

    /// <inheritdoc />
    /// <remarks><c>oci:{registry}/{repository}:{tag}</c> or <c>oci:{registry}/{repository}@{digest}</c>.</remarks>
    public override string Id => $"oci:{Registry}/{Repository}{Separator}{Revision}";

    private string Separator => OciNames.IsDigest(Revision) ? "@" : ":";

    /// <inheritdoc />
    public override Task<bool> ExistsAsync(StateKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return ExistsCoreAsync(key, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>The keys the artifact's files are named after (<c>{tag}.pt</c>).</remarks>
    public override async Task<IReadOnlyList<StateKey>> GetStateKeysAsync(StateType stateType, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stateType);
        cancellationToken.ThrowIfCancellationRequested();
        var manifest = await _artifacts.Client.GetManifestAsync(Revision, null, cancellationToken).ConfigureAwait(false);
        return manifest is null ? [] : manifest.Layers
            .Select(layer => layer.FilePath is { } path && path.EndsWith(ObjectStoreLayout.Extension, StringComparison.Ordinal) ? OciNames.TryParseTag(path[..^ObjectStoreLayout.Extension.Length]) : null)
            .OfType<StateKey>()
            .Where(key => key.StateType.IsCompatibleWith(stateType))
            .Distinct()
            .ToArray();
    }

    /// <inheritdoc />
    public override Task<Stream> OpenReadAsync(StateKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return _artifacts.OpenReadAsync(Revision, null, key, cancellationToken);
    }

    /// <inheritdoc />
    public Task<FileDownload> DownloadToFileAsync(StateKey key, string path, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return _artifacts.DownloadToFileAsync(Revision, null, key, path, progress, cancellationToken);
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
    /// <remarks>The artifact's layers that name a file (<c>org.cncf.model.filepath</c>), with their sizes and the SHA-256 of their digests: a bundle state's files.</remarks>
    public async Task<IReadOnlyList<StoreFile>> ListFilesAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var manifest = await _artifacts.Client.GetManifestAsync(Revision, null, cancellationToken).ConfigureAwait(false)
            ?? throw new StateStoreException(StateStoreError.NotFound, $"{Description} was not found: there is no {(OciNames.IsDigest(Revision) ? "manifest" : "tag")} {Revision}.");
        return manifest.Layers
            .Where(layer => layer.FilePath is not null)
            .Select(layer => new StoreFile(layer.FilePath!, layer.Size) { Sha256 = layer.Digest.StartsWith("sha256:", StringComparison.Ordinal) ? layer.Digest["sha256:".Length..] : null })
            .ToArray();
    }

    /// <inheritdoc />
    /// <remarks>The view's <see cref="IStateStore.Id"/> is <c>oci-file:{registry}/{repository}@{digest}/{path}</c> (or <c>:{tag}</c>).</remarks>
    public IStateStore ForFile(string path) =>
        new OciFileView(_artifacts, _ => Revision, OciNames.ValidateFilePath(path, nameof(path)), $"oci-file:{Registry}/{Repository}{Separator}{Revision}/{path}", $"file {path} of {Description}");

    /// <inheritdoc />
    /// <remarks>A digest is returned as it is, with no request; a tag is asked of the registry (<c>HEAD</c> on its manifest).</remarks>
    public async Task<string> ResolveRevisionAsync(CancellationToken cancellationToken = default)
    {
        if (OciNames.IsDigest(Revision))
        {
            return Revision;
        }

        return await _artifacts.Client.HeadManifestAsync(Revision, null, cancellationToken).ConfigureAwait(false)
            ?? throw new StateStoreException(StateStoreError.NotFound, $"Tag {Revision} was not found in OCI repository {Registry}/{Repository}.");
    }

    /// <summary>The same artifact pinned to <paramref name="revision"/>, a <c>sha256:</c> manifest digest (from a lock file: never a tag). No request is made.</summary>
    /// <exception cref="ArgumentException"><paramref name="revision"/> is not a <c>sha256:</c> digest.</exception>
    public OciArtifactStore AtRevision(string revision) => new(_artifacts, Registry, Repository, OciNames.ValidateDigest(revision, nameof(revision)));

    /// <inheritdoc />
    IRevisionedStore IRevisionedStore.AtRevision(string revision) => AtRevision(revision);

    internal static StateStoreException ReadOnly(StateKey key, string description) =>
        new(StateStoreError.ReadOnly, $"Cannot save {key}: {description} is one artifact, read-only. Save to the repository's store (a ModelStore of kind Oci without Reference), which tags each state.", key);

    private async Task<bool> ExistsCoreAsync(StateKey key, CancellationToken cancellationToken) =>
        await _artifacts.FindLayerAsync(Revision, null, key, cancellationToken).ConfigureAwait(false) is not null;
}
