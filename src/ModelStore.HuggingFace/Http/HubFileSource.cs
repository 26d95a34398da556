using System.Net;
using System.Net.Http.Headers;
using ModelStore.Downloads;
using ModelStore.IO;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.HuggingFace.Http;

/// <summary>
/// One file of a Hub repository as a source of ranged reads for <see cref="ChunkedDownloader"/>. Its metadata comes from
/// a <c>HEAD</c> of the resolve address at the configured revision; its version is the file's content id (the LFS
/// SHA-256 or Git blob SHA-1), so an interrupted download resumes whenever the file's bytes are unchanged, even after
/// the branch moved. Ranges are read from the storage address the Hub redirected to (as huggingface_hub does: one
/// resolve per file, not per chunk), or from the resolve address at the resolved commit for a file the Hub serves itself.
/// </summary>
internal sealed class HubFileSource(HubClient client, string revision, string path, StateKey? key) : IRangeReadableSource
{
    private HubFileMetadata? _metadata;

    /// <inheritdoc />
    public string Description => $"{path} in the {client.RepositoryLabel}";

    /// <summary>The metadata of the last <see cref="GetObjectAsync"/>.</summary>
    public HubFileMetadata Metadata => _metadata ?? throw new InvalidOperationException("GetObjectAsync has not run.");

    /// <inheritdoc />
    public async Task<RemoteObject> GetObjectAsync(CancellationToken cancellationToken = default)
    {
        _metadata = await client.GetFileMetadataAsync(revision, path, key, cancellationToken).ConfigureAwait(false);
        return new RemoteObject(_metadata.Size, _metadata.ETag, _metadata.AcceptsRanges);
    }

    /// <inheritdoc />
    public async Task<Stream> OpenRangeAsync(RemoteObject expected, long offset, long length, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(expected);
        var metadata = Metadata;
        var whole = offset == 0 && length == expected.Size;
        var range = expected.AcceptsRanges && !whole ? new RangeHeaderValue(offset, offset + length - 1) : null;
        HttpResponseMessage response;
        try
        {
            response = await client.GetAsync(Address(metadata), range, $"download of {path}", key, retry: false, cancellationToken).ConfigureAwait(false);
        }
        catch (StateStoreException e) when (metadata.Location is not null && e.Error is StateStoreError.AccessDenied or StateStoreError.NotFound)
        {
            // A signed storage address expires: ask the Hub for a fresh one, at the same commit, for the same bytes.
            metadata = await RefreshAsync(metadata, cancellationToken).ConfigureAwait(false);
            response = await client.GetAsync(Address(metadata), range, $"download of {path}", key, retry: false, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            if (range is not null && response.StatusCode != HttpStatusCode.PartialContent)
            {
                throw new StateStoreException(StateStoreError.InvalidContent, $"{Description}: the server sent the whole file (HTTP {(int)response.StatusCode}) when bytes {offset}-{offset + length - 1} were asked for.", key);
            }

            if (range is not null && response.Content.Headers.ContentRange is { From: var from } && from != offset)
            {
                throw new StateStoreException(StateStoreError.InvalidContent, $"{Description}: the server sent the range from {from} when {offset} was asked for.", key);
            }

            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            return new OwnedStream(body, response);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>Opens the whole file, checked against its content id as it is read (see <see cref="HubVerifyingStream"/>).</summary>
    public async Task<Stream> OpenVerifiedAsync(CancellationToken cancellationToken)
    {
        var metadata = Metadata;
        var response = await client.GetAsync(Address(metadata), null, $"download of {path}", key, retry: true, cancellationToken).ConfigureAwait(false);
        try
        {
            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            return new HubVerifyingStream(body, response, metadata, client.RepositoryLabel, key);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    // Bytes come from the storage host the Hub redirected to, or from the Hub at the resolved commit (never at the
    // branch, which may move during the download).
    private Uri Address(HubFileMetadata metadata) => metadata.Location ?? client.ResolveUri(metadata.Commit, path);

    private async Task<HubFileMetadata> RefreshAsync(HubFileMetadata stale, CancellationToken cancellationToken)
    {
        var fresh = await client.GetFileMetadataAsync(stale.Commit, path, key, cancellationToken).ConfigureAwait(false);
        if (!string.Equals(fresh.ETag, stale.ETag, StringComparison.Ordinal) || fresh.Size != stale.Size)
        {
            throw new StateStoreException(StateStoreError.IntegrityMismatch, $"{Description} changed at commit {stale.Commit} during the download (content id {fresh.ETag}, expected {stale.ETag}); start again.", key);
        }

        _metadata = fresh;
        return fresh;
    }
}
