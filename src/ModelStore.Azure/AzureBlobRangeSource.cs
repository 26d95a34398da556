using Azure;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using ModelStore.Downloads;
using ModelStore.IO;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Azure;

/// <summary>
/// One blob as a source of ranged reads for <see cref="ChunkedDownloader"/>: its version is its ETag, and every ranged
/// read carries <c>If-Match</c> so that a blob replaced during a download is noticed, not mixed.
/// </summary>
internal sealed class AzureBlobRangeSource(BlockBlobClient blob, StateKey key, AzureBlobErrorTranslator errors, TimeSpan readTimeout, Func<CancellationToken, Task<RemoteObject?>> properties) : IRangeReadableSource
{
    public string Description => $"Azure blob {errors.Address(blob.Name)} (state {key})";

    public async Task<RemoteObject> GetObjectAsync(CancellationToken cancellationToken = default) =>
        await properties(cancellationToken).ConfigureAwait(false)
            ?? throw new StateStoreException(StateStoreError.NotFound, $"State {key} was not found (no blob {errors.Address(blob.Name)}).", key);

    public async Task<Stream> OpenRangeAsync(RemoteObject expected, long offset, long length, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(expected);
        try
        {
            var options = new BlobDownloadOptions
            {
                Range = new HttpRange(offset, length),
                Conditions = expected.Version is { } version ? new BlobRequestConditions { IfMatch = new ETag(version) } : null,
            };
            var response = await blob.DownloadStreamingAsync(options, cancellationToken).ConfigureAwait(false);
            // A connection lost mid-body (after the SDK's own retries of the read) is a coded Unreachable, resumed by the downloader.
            return new TransportGuardedStream(response.Value.Content, response.Value, Description, key, readTimeout);
        }
        catch (RequestFailedException e) when (e.Status == 412 || e.ErrorCode == "ConditionNotMet")
        {
            throw new StateStoreException(StateStoreError.IntegrityMismatch, $"Azure Blob download of {errors.Address(blob.Name)} (state {key}): the blob changed during the download; start again.", key, e);
        }
        catch (Exception e) when (AzureBlobErrorTranslator.IsTranslatable(e, cancellationToken))
        {
            throw errors.Translate(e, "ranged read", blob.Name, key);
        }
    }
}
