using ModelStore.Downloads;
using ModelStore.IO;
using ModelStore.Oci.Registry;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Oci;

/// <summary>
/// Reading files out of ModelPack artifacts, shared by the store over a repository's tags, the store over one artifact and
/// their per-file views: find the artifact's manifest by reference, the file's layer by path (or the state's own file),
/// and open or download its blob, verified by its digest.
/// </summary>
internal sealed class OciArtifacts(RegistryClient client, OciStoreOptions options)
{
    public RegistryClient Client => client;

    /// <summary>The file name a single-file state has in its artifact: its tag and <c>.pt</c>, as MoZuMa's local store names it.</summary>
    public static string FileNameOf(StateKey key) => OciNames.TagOf(key) + ObjectStoreLayout.Extension;

    /// <summary>The layer of <paramref name="path"/> (or of the key's own file) in the artifact <paramref name="reference"/>, or <see langword="null"/>.</summary>
    public async Task<OciDescriptor?> FindLayerAsync(string reference, string? path, StateKey key, CancellationToken cancellationToken)
    {
        var manifest = await client.GetManifestAsync(reference, key, cancellationToken).ConfigureAwait(false);
        return manifest?.FindLayer(path, FileNameOf(key), $"{client.Address}:{reference}", key);
    }

    public async Task<bool> ExistsAsync(string reference, string? path, StateKey key, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (path is null)
        {
            // The state's own artifact: a HEAD is enough.
            return await client.HeadManifestAsync(reference, key, cancellationToken).ConfigureAwait(false) is not null;
        }

        return await FindLayerAsync(reference, path, key, cancellationToken).ConfigureAwait(false) is not null;
    }

    public async Task<Stream> OpenReadAsync(string reference, string? path, StateKey key, CancellationToken cancellationToken)
    {
        var layer = await RequireLayerAsync(reference, path, key, cancellationToken).ConfigureAwait(false);
        return await client.OpenBlobAsync(layer, key, cancellationToken).ConfigureAwait(false);
    }

    public async Task<FileDownload> DownloadToFileAsync(string reference, string? path, StateKey key, string target, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(target);
        var file = Path.GetFullPath(target);
        var layer = await RequireLayerAsync(reference, path, key, cancellationToken).ConfigureAwait(false);
        var source = client.BlobSource(layer, key);
        var remote = await source.GetObjectAsync(cancellationToken).ConfigureAwait(false);
        if (remote.Size != layer.Size)
        {
            throw new StateStoreException(StateStoreError.IntegrityMismatch, $"The blob {layer.Digest} of {client.Address} has {remote.Size} bytes where its descriptor gives {layer.Size}.", key);
        }

        // The digest is the blob's version: a resumed download continues only the same blob (it cannot change anyway).
        var download = await ChunkedDownloader.DownloadAsync(source, remote with { Version = remote.Version ?? $"\"{layer.Digest}\"" }, file, options.Download, progress, cancellationToken).ConfigureAwait(false);
        if ("sha256:" + download.Sha256 != layer.Digest)
        {
            // Damaged bytes must not be resumed from either.
            AtomicFile.Discard(file);
            ChunkedDownloader.DiscardJournal(file);
            throw new StateStoreException(StateStoreError.IntegrityMismatch, $"The blob {layer.Digest} of {client.Address} is damaged: the downloaded bytes hash to sha256:{download.Sha256}.", key);
        }

        return download;
    }

    private async Task<OciDescriptor> RequireLayerAsync(string reference, string? path, StateKey key, CancellationToken cancellationToken)
    {
        var manifest = await client.GetManifestAsync(reference, key, cancellationToken).ConfigureAwait(false)
            ?? throw new StateStoreException(StateStoreError.NotFound, $"State {key} was not found in OCI repository {client.Address}: there is no {(OciNames.IsDigest(reference) ? "manifest" : "tag")} {reference}.", key);
        var layer = manifest.FindLayer(path, FileNameOf(key), $"{client.Address}:{reference}", key)
            ?? throw new StateStoreException(StateStoreError.NotFound, $"State {key} was not found in OCI repository {client.Address}: the artifact {reference} ({manifest.Digest}) has no file {path ?? FileNameOf(key)}{(manifest.Layers.Count == 0 ? "" : $"; its files: {string.Join(", ", manifest.Layers.Take(10).Select(l => l.FilePath ?? l.Digest))}")}.", key);
        if (!layer.MediaType.EndsWith(".raw", StringComparison.Ordinal) && layer.MediaType != "application/octet-stream")
        {
            throw new StateStoreException(StateStoreError.InvalidContent, $"The file {layer.FilePath ?? layer.Digest} of {client.Address}:{reference} is a {OciNames.Clip(layer.MediaType)} layer; only raw layers (ModelPack's *.raw media types) are read as files.", key);
        }

        return layer;
    }
}
