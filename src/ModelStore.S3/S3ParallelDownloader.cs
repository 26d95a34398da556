using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Win32.SafeHandles;
using ModelStore.IO;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.S3;

/// <summary>
/// Downloads one object into a file with parallel ranged GETs, writing each chunk at its offset, and records the
/// finished chunks in a small sidecar file (<c>{path}.s3resume</c>) so that an interrupted download resumes
/// with only the missing chunks, as long as the object's ETag and size are unchanged. The file's SHA-256 is computed
/// on the way, by reading the chunks back in order as they land. Memory is bounded by <c>DownloadParallelism</c>
/// copy buffers, whatever the object's size.
/// </summary>
internal sealed class S3ParallelDownloader(IAmazonS3 client, S3StateStoreOptions options, S3ErrorTranslator errors)
{
    /// <summary>The suffix of the sidecar that records finished chunks.</summary>
    public const string ResumeSuffix = ".s3resume";

    private const int CopyBufferSize = 256 * 1024;

    public async Task<FileDownload> DownloadAsync(StateKey key, string objectName, string path, long size, string etag, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var chunkSize = (long)options.DownloadChunkSize;
        var chunkCount = (int)Math.Max(1, (size + chunkSize - 1) / chunkSize);
        var resumePath = path + ResumeSuffix;
        var journal = TryLoadJournal(resumePath, path, size, etag, chunkSize, chunkCount) ?? new ResumeJournal(etag, size, chunkSize, new bool[chunkCount]);
        var fresh = journal.Done.All(done => !done);

        using var handle = File.OpenHandle(path, fresh ? FileMode.Create : FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, FileOptions.Asynchronous);
        if (RandomAccess.GetLength(handle) != size)
        {
            RandomAccess.SetLength(handle, size);
        }

        long onDisk = journal.Done.Select((done, index) => done ? ChunkLength(index, chunkSize, size) : 0).Sum();
        long transferred = 0;
        progress?.Report(onDisk);

        // Chunks finish out of order; the hash follows them in order, reading each one back from the file as soon
        // as it is there, so it is ready (almost) when the last byte lands.
        var signals = journal.Done.Select(done => done ? null : new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var finished = signals.Select(signal => signal?.Task ?? Task.CompletedTask).ToArray();
        using var stopHashing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var hashing = Task.Run(() => HashInOrderAsync(handle, finished, chunkSize, size, stopHashing.Token), CancellationToken.None);
        using var journalGate = new SemaphoreSlim(1, 1);
        var pending = Enumerable.Range(0, chunkCount).Where(index => !journal.Done[index]).ToList();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.DownloadParallelism), CancellationToken = cancellationToken };
        try
        {
            await Parallel.ForEachAsync(pending, parallel, async (index, token) =>
            {
                var start = index * chunkSize;
                var length = ChunkLength(index, chunkSize, size);
                var written = await DownloadChunkAsync(key, objectName, handle, start, length, etag, bytes =>
                {
                    Interlocked.Add(ref transferred, bytes);
                    progress?.Report(Interlocked.Add(ref onDisk, bytes));
                }, token).ConfigureAwait(false);
                if (written != length)
                {
                    throw new StateStoreException(StateStoreError.InvalidContent, errors.Redact($"S3 download of s3://{options.Bucket}/{objectName} (state {key}): the server sent {written} bytes for a range of {length}."), key);
                }

                await journalGate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
                try
                {
                    journal.Done[index] = true;
                    await SaveJournalAsync(resumePath, journal).ConfigureAwait(false);
                }
                finally
                {
                    journalGate.Release();
                }

                signals[index]!.TrySetResult();
            }).ConfigureAwait(false);
        }
        catch
        {
            await stopHashing.CancelAsync().ConfigureAwait(false);
            await hashing.ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
            throw;
        }

        // No fsync here (like `aws s3 cp`): callers that rename the file into place flush it first, as the cache does.
        var sha256 = await hashing.ConfigureAwait(false);
        AtomicFile.Discard(resumePath);
        return new FileDownload(size, transferred, sha256);
    }

    private static async Task<string> HashInOrderAsync(SafeFileHandle handle, Task[] finished, long chunkSize, long size, CancellationToken cancellationToken)
    {
        using var hasher = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(1024 * 1024);
        try
        {
            for (var index = 0; index < finished.Length; index++)
            {
                await finished[index].WaitAsync(cancellationToken).ConfigureAwait(false);
                var end = Math.Min(size, (index + 1) * chunkSize);
                for (var offset = index * chunkSize; offset < end;)
                {
                    var read = await RandomAccess.ReadAsync(handle, buffer.AsMemory(0, (int)Math.Min(buffer.Length, end - offset)), offset, cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        throw new IOException($"The downloaded file ended at {offset} of {size} bytes.");
                    }

                    hasher.AppendData(buffer, 0, read);
                    offset += read;
                }
            }

            return Convert.ToHexStringLower(hasher.GetHashAndReset());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task<long> DownloadChunkAsync(StateKey key, string objectName, SafeFileHandle handle, long start, long length, string etag, Action<int> onWritten, CancellationToken cancellationToken)
    {
        if (length == 0)
        {
            return 0;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            GetObjectResponse response;
            try
            {
                response = await client.GetObjectAsync(
                    new GetObjectRequest { BucketName = options.Bucket, Key = objectName, ByteRange = new ByteRange(start, start + length - 1), EtagToMatch = etag },
                    cancellationToken).ConfigureAwait(false);
            }
            catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.PreconditionFailed)
            {
                throw new StateStoreException(StateStoreError.IntegrityMismatch, errors.Redact($"S3 download of s3://{options.Bucket}/{objectName} (state {key}): the object changed during the download; start again."), key, e);
            }
            catch (Exception e) when (S3ErrorTranslator.IsTranslatable(e, cancellationToken))
            {
                throw errors.Translate(e, "ranged GET", objectName, key);
            }

            using (response)
            {
                var body = response.ResponseStream;
                long offset = start;
                while (true)
                {
                    int read;
                    try
                    {
                        read = await body.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, start + length - offset + 1)), cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception e) when (S3ErrorTranslator.IsTranslatable(e, cancellationToken))
                    {
                        throw errors.Translate(e, "ranged GET", objectName, key);
                    }

                    if (read == 0)
                    {
                        break;
                    }

                    if (offset + read > start + length)
                    {
                        return offset + read - start;
                    }

                    await RandomAccess.WriteAsync(handle, buffer.AsMemory(0, read), offset, cancellationToken).ConfigureAwait(false);
                    offset += read;
                    onWritten(read);
                }

                return offset - start;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // Replaced by rename, never fsynced: it must survive a killed process (the page cache keeps both the journal and
    // the chunks it lists), not a power cut, and an fsync per chunk would cost more than the chunks.
    private static async Task SaveJournalAsync(string resumePath, ResumeJournal journal)
    {
        var temporary = resumePath + ".tmp";
        await File.WriteAllBytesAsync(temporary, JsonSerializer.SerializeToUtf8Bytes(journal), CancellationToken.None).ConfigureAwait(false);
        File.Move(temporary, resumePath, overwrite: true);
    }

    private static long ChunkLength(int index, long chunkSize, long size) => Math.Min(chunkSize, size - (index * chunkSize));

    private static ResumeJournal? TryLoadJournal(string resumePath, string path, long size, string etag, long chunkSize, int chunkCount)
    {
        try
        {
            if (!File.Exists(resumePath) || !File.Exists(path) || new FileInfo(path).Length != size)
            {
                return null;
            }

            var journal = JsonSerializer.Deserialize<ResumeJournal>(File.ReadAllBytes(resumePath));
            return journal is not null && journal.ETag == etag && journal.Size == size && journal.ChunkSize == chunkSize && journal.Done.Length == chunkCount
                ? journal
                : null;
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>What a resumable download has finished: the object's identity and one flag per chunk.</summary>
    internal sealed record ResumeJournal(string ETag, long Size, long ChunkSize, bool[] Done);
}
