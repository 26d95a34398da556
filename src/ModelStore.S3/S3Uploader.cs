using Amazon.S3;
using Amazon.S3.Model;
using ModelStore.Uploads;

namespace ModelStore.S3;

/// <summary>
/// Streams a state into one object: one PUT when it fits in a part, otherwise a multipart upload whose parts
/// are read one by one from the (possibly non-seekable) source and sent a few at a time. Memory is bounded by
/// <c>UploadParallelism × MultipartPartSize</c>, whatever the state's size. A failed or cancelled multipart
/// upload is aborted, so nothing partial ever appears under the object name.
/// </summary>
internal sealed class S3Uploader(IAmazonS3 client, S3StateStoreOptions options)
{
    /// <summary>Uploads <paramref name="content"/> to <paramref name="objectName"/>; with <paramref name="ifNoneMatch"/> the server refuses to replace an existing object.</summary>
    public async Task UploadAsync(string objectName, Stream content, bool ifNoneMatch, CancellationToken cancellationToken)
    {
        var partSize = options.MultipartPartSize;
        var first = GC.AllocateUninitializedArray<byte>(partSize);
        var firstLength = await PartitionedUpload.ReadPartAsync(content, first, cancellationToken).ConfigureAwait(false);
        if (firstLength < partSize)
        {
            await PutAsync(objectName, first, firstLength, ifNoneMatch, cancellationToken).ConfigureAwait(false);
            return;
        }

        var created = await client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = options.Bucket, Key = objectName }, cancellationToken).ConfigureAwait(false);
        var uploadId = created.UploadId;
        try
        {
            var parts = await UploadPartsAsync(objectName, uploadId, content, first, cancellationToken).ConfigureAwait(false);
            await client.CompleteMultipartUploadAsync(
                new CompleteMultipartUploadRequest
                {
                    BucketName = options.Bucket,
                    Key = objectName,
                    UploadId = uploadId,
                    PartETags = parts,
                    IfNoneMatch = ifNoneMatch ? "*" : null,
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await AbortAsync(objectName, uploadId).ConfigureAwait(false);
            throw;
        }
    }

    private async Task PutAsync(string objectName, byte[] buffer, int length, bool ifNoneMatch, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream(buffer, 0, length, writable: false);
        await client.PutObjectAsync(
            new PutObjectRequest
            {
                BucketName = options.Bucket,
                Key = objectName,
                InputStream = body,
                AutoCloseStream = false,
                ContentType = "application/octet-stream",
                UseChunkEncoding = !options.DisableChunkEncoding,
                IfNoneMatch = ifNoneMatch ? "*" : null,
            },
            cancellationToken).ConfigureAwait(false);
    }

    private async Task<List<PartETag>> UploadPartsAsync(string objectName, string uploadId, Stream content, byte[] first, CancellationToken cancellationToken)
    {
        var parts = await PartitionedUpload.SendPartsAsync(content, first, Math.Max(1, options.UploadParallelism), async (index, body, token) =>
        {
            var response = await client.UploadPartAsync(
                new UploadPartRequest
                {
                    BucketName = options.Bucket,
                    Key = objectName,
                    UploadId = uploadId,
                    PartNumber = index + 1,
                    InputStream = body,
                    PartSize = body.Length,
                    UseChunkEncoding = !options.DisableChunkEncoding,
                },
                token).ConfigureAwait(false);
            return new PartETag(response);
        }, cancellationToken).ConfigureAwait(false);
        return [.. parts];
    }

    private async Task AbortAsync(string objectName, string uploadId)
    {
        try
        {
            await client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = options.Bucket, Key = objectName, UploadId = uploadId }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (AmazonS3Exception)
        {
            // Best effort: an unfinished upload is invisible to readers and expires with the bucket's lifecycle rules.
        }
        catch (HttpRequestException)
        {
        }
    }
}
