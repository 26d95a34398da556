using Amazon.S3;
using Amazon.S3.Model;

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
        var firstLength = await ReadPartAsync(content, first, cancellationToken).ConfigureAwait(false);
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
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var parallelism = Math.Max(1, options.UploadParallelism);
        using var slots = new SemaphoreSlim(parallelism, parallelism);
        var spare = new Stack<byte[]>();
        var inFlight = new List<Task<PartETag>>();
        var buffer = first;
        var length = first.Length;
        var partNumber = 1;
        try
        {
            while (length > 0)
            {
                await slots.WaitAsync(failed.Token).ConfigureAwait(false);
                inFlight.Add(UploadPartAsync(objectName, uploadId, partNumber++, buffer, length, slots, spare, failed));

                lock (spare)
                {
                    buffer = spare.Count > 0 ? spare.Pop() : null!;
                }

                buffer ??= GC.AllocateUninitializedArray<byte>(options.MultipartPartSize);
                length = await ReadPartAsync(content, buffer, failed.Token).ConfigureAwait(false);
            }

            var parts = await Task.WhenAll(inFlight).ConfigureAwait(false);
            return [.. parts.OrderBy(part => part.PartNumber)];
        }
        catch
        {
            await failed.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(inFlight.Select(task => task.ContinueWith(static _ => { }, TaskScheduler.Default))).ConfigureAwait(false);
            throw;
        }
    }

    private async Task<PartETag> UploadPartAsync(string objectName, string uploadId, int partNumber, byte[] buffer, int length, SemaphoreSlim slots, Stack<byte[]> spare, CancellationTokenSource failed)
    {
        try
        {
            using var body = new MemoryStream(buffer, 0, length, writable: false);
            var response = await client.UploadPartAsync(
                new UploadPartRequest
                {
                    BucketName = options.Bucket,
                    Key = objectName,
                    UploadId = uploadId,
                    PartNumber = partNumber,
                    InputStream = body,
                    PartSize = length,
                    UseChunkEncoding = !options.DisableChunkEncoding,
                },
                failed.Token).ConfigureAwait(false);
            return new PartETag(response);
        }
        catch
        {
            // One failed part fails the upload: stop reading and sending the others.
            await failed.CancelAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            lock (spare)
            {
                spare.Push(buffer);
            }

            slots.Release();
        }
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

    /// <summary>Fills <paramref name="buffer"/> from <paramref name="content"/>; fewer bytes only at the end of the stream.</summary>
    private static async Task<int> ReadPartAsync(Stream content, byte[] buffer, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            int read;
            try
            {
                read = await content.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The caller's stream failed, not the server: the store rethrows the original exception.
                throw new SourceStreamException(e);
            }

            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }
}

/// <summary>Carries a failure of the stream being uploaded past the S3 error translation, back to the caller as it was.</summary>
internal sealed class SourceStreamException(Exception inner) : Exception("The stream being uploaded failed.", inner);

