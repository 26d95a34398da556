using Amazon.S3;
using Amazon.S3.Model;
using ModelStore.Downloads;
using ModelStore.IO;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.S3;

/// <summary>
/// One S3 object as a source of ranged reads for <see cref="ChunkedDownloader"/>: its version is its ETag, and every
/// ranged GET carries <c>If-Match</c> so that an object replaced during a download is noticed, not mixed.
/// </summary>
internal sealed class S3RangeSource(IAmazonS3 client, string bucket, string objectName, StateKey key, S3ErrorTranslator errors, Func<CancellationToken, Task<RemoteObject?>> head) : IRangeReadableSource
{
    public string Description => $"S3 object s3://{bucket}/{objectName} (state {key})";

    public async Task<RemoteObject> GetObjectAsync(CancellationToken cancellationToken = default) =>
        await head(cancellationToken).ConfigureAwait(false)
            ?? throw new StateStoreException(StateStoreError.NotFound, $"State {key} was not found in S3 store s3://{bucket}/ (no object s3://{bucket}/{objectName}).", key);

    public async Task<Stream> OpenRangeAsync(RemoteObject expected, long offset, long length, CancellationToken cancellationToken = default)
    {
        try
        {
            var response = await client.GetObjectAsync(
                new GetObjectRequest { BucketName = bucket, Key = objectName, ByteRange = new ByteRange(offset, offset + length - 1), EtagToMatch = expected.Version },
                cancellationToken).ConfigureAwait(false);
            return new OwnedStream(response.ResponseStream, response);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.PreconditionFailed)
        {
            throw new StateStoreException(StateStoreError.IntegrityMismatch, $"S3 download of s3://{bucket}/{objectName} (state {key}): the object changed during the download; start again.", key, e);
        }
        catch (Exception e) when (S3ErrorTranslator.IsTranslatable(e, cancellationToken))
        {
            throw errors.Translate(e, "ranged GET", objectName, key);
        }
    }
}
