using System.Globalization;
using System.Text;
using Azure;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using ModelStore.Uploads;

namespace ModelStore.Azure;

/// <summary>
/// Streams a state into one block blob: one Put Blob when it fits in a block, otherwise blocks read one by one from the
/// (possibly non-seekable) source, staged a few at a time (the core's <see cref="PartitionedUpload"/>), and committed by
/// one Put Block List. Memory is bounded by <c>UploadParallelism × UploadBlockSize</c>, whatever the state's size.
/// Staged blocks are invisible until the commit, so a failed or cancelled upload leaves nothing under the blob's name
/// (the service discards uncommitted blocks within a week).
/// </summary>
/// <remarks>
/// When creating, the Put Blob or the Put Block List carries <c>If-None-Match: *</c>: the service refuses it when the
/// blob exists, so of two writers creating the same state exactly one succeeds.
/// </remarks>
internal sealed class AzureBlobUploader(AzureBlobStateStoreOptions options)
{
    private static readonly BlobHttpHeaders Headers = new() { ContentType = "application/octet-stream" };

    /// <summary>Uploads <paramref name="content"/> to <paramref name="blob"/>; with <paramref name="createOnly"/> the service refuses to replace an existing blob.</summary>
    public async Task UploadAsync(BlockBlobClient blob, Stream content, bool createOnly, CancellationToken cancellationToken)
    {
        var conditions = createOnly ? new BlobRequestConditions { IfNoneMatch = ETag.All } : null;
        var first = GC.AllocateUninitializedArray<byte>(options.UploadBlockSize);
        var firstLength = await PartitionedUpload.ReadPartAsync(content, first, cancellationToken).ConfigureAwait(false);
        if (firstLength < first.Length)
        {
            using var body = new MemoryStream(first, 0, firstLength, writable: false);
            await blob.UploadAsync(body, new BlobUploadOptions { HttpHeaders = Headers, Conditions = conditions }, cancellationToken).ConfigureAwait(false);
            return;
        }

        // Every block id of a blob must have the same length; a per-upload prefix keeps concurrent uploads apart.
        var upload = Guid.NewGuid().ToString("N");
        var blockIds = await PartitionedUpload.SendPartsAsync(content, first, Math.Max(1, options.UploadParallelism), async (index, body, token) =>
        {
            var blockId = Convert.ToBase64String(Encoding.ASCII.GetBytes($"{upload}-{index.ToString("D6", CultureInfo.InvariantCulture)}"));
            await blob.StageBlockAsync(blockId, body, new BlockBlobStageBlockOptions(), token).ConfigureAwait(false);
            return blockId;
        }, cancellationToken).ConfigureAwait(false);
        await blob.CommitBlockListAsync(blockIds, new CommitBlockListOptions { HttpHeaders = Headers, Conditions = conditions }, cancellationToken).ConfigureAwait(false);
    }
}
