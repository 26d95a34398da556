using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using ModelStore.IO;
using ModelStore.Stores;

namespace ModelStore.Downloads;

/// <summary>
/// Downloads one remote object into a file with parallel ranged reads, each chunk written at its offset, and
/// records the finished chunks in a journal beside the file (<c>{path}.journal</c>) so that a download interrupted in
/// any way (cancellation, a dropped connection, <c>kill -9</c>) resumes with only the missing chunks, as long as the
/// object's size and version are unchanged. A chunk cut by a transient failure is tried again from the bytes it
/// already wrote. The file's SHA-256 is computed on the way, in order: bytes that land where the hash has reached are
/// hashed from the copy buffer, bytes that landed ahead of it are read back from the file when it reaches them.
/// Memory is bounded by <see cref="ChunkedDownloadOptions.Parallelism"/> copy buffers, whatever the object's size.
/// </summary>
/// <remarks>
/// This is the one download path of every store that can read ranges (S3, Azure, the Hugging Face Hub, plain URLs);
/// <see cref="Caching.StateCache"/> gives each (store, key) one fixed download path, so a new fetch adopts what an
/// interrupted one left. The file is complete only when the task succeeds: callers download to a temporary path and
/// rename it into place.
/// </remarks>
public static class ChunkedDownloader
{
    /// <summary>The suffix of the journal that records finished chunks.</summary>
    public const string JournalSuffix = ".journal";

    private const int CopyBufferSize = 256 * 1024;

    /// <summary>
    /// Downloads <paramref name="source"/> (currently <paramref name="remote"/>) into <paramref name="path"/>, resuming an
    /// earlier interrupted download into the same path when the object has not changed since.
    /// </summary>
    /// <param name="source">The object.</param>
    /// <param name="remote">What the object is now (from <see cref="IRangeReadableSource.GetObjectAsync"/>).</param>
    /// <param name="path">The file to write; its folder must exist.</param>
    /// <param name="options">Chunking, parallelism and retries; <see cref="ChunkedDownloadOptions.Default"/> when null.</param>
    /// <param name="progress">Receives the number of the object's bytes on disk so far (resumed bytes included).</param>
    /// <param name="cancellationToken">Stops the download; what was downloaded stays for a later resume.</param>
    /// <returns>The size, the bytes this call transferred, and the SHA-256 of the file.</returns>
    /// <exception cref="StateStoreException">The source failed (after the retries for transient failures), or sent more or fewer bytes than asked for.</exception>
    public static async Task<FileDownload> DownloadAsync(IRangeReadableSource source, RemoteObject remote, string path, ChunkedDownloadOptions? options = null, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(remote);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentOutOfRangeException.ThrowIfNegative(remote.Size, nameof(remote));
        options ??= ChunkedDownloadOptions.Default;
        options.Validate();

        var size = remote.Size;
        var chunkSize = remote.AcceptsRanges ? options.ChunkSize : Math.Max(size, 1);
        var chunkCount = (int)Math.Max(1, (size + chunkSize - 1) / chunkSize);
        var journalPath = path + JournalSuffix;
        var journal = (remote.IsResumable ? TryLoadJournal(journalPath, path, remote, chunkSize, chunkCount) : null)
            ?? new DownloadJournal(remote.Version, size, chunkSize, new bool[chunkCount]);
        var fresh = journal.Done.All(done => !done);
        if (fresh)
        {
            AtomicFile.Discard(journalPath);
        }

        using var handle = File.OpenHandle(path, fresh ? FileMode.Create : FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete, FileOptions.Asynchronous);
        if (RandomAccess.GetLength(handle) != size)
        {
            RandomAccess.SetLength(handle, size);
        }

        long onDisk = journal.Done.Select((done, index) => done ? ChunkLength(index, chunkSize, size) : 0).Sum();
        long transferred = 0;
        (progress as IDownloadProgress)?.ReportTotal(size);
        progress?.Report(onDisk);

        // Chunks finish out of order; the hash follows them in order and is ready when the last byte lands.
        using var hasher = new OrderedHasher(handle, chunkSize, size, journal.Done);
        using var journalGate = new SemaphoreSlim(1, 1);
        var pending = Enumerable.Range(0, chunkCount).Where(index => !journal.Done[index]).ToList();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = remote.AcceptsRanges ? options.Parallelism : 1, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(pending, parallel, async (index, token) =>
        {
            var start = index * chunkSize;
            var length = ChunkLength(index, chunkSize, size);
            await DownloadChunkAsync(source, remote, handle, start, length, options, (position, bytes) =>
            {
                hasher.Written(position, bytes);
                Interlocked.Add(ref transferred, bytes.Length);
                progress?.Report(Interlocked.Add(ref onDisk, bytes.Length));
            }, token).ConfigureAwait(false);

            if (remote.IsResumable)
            {
                await journalGate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
                try
                {
                    journal.Done[index] = true;
                    await SaveJournalAsync(journalPath, journal).ConfigureAwait(false);
                }
                finally
                {
                    journalGate.Release();
                }
            }
        }).ConfigureAwait(false);

        // No fsync here (like `aws s3 cp`): callers that rename the file into place flush it first, as the cache does.
        var sha256 = hasher.Finish();
        AtomicFile.Discard(journalPath);
        return new FileDownload(size, transferred, sha256);
    }

    /// <summary>Deletes the journal of a download into <paramref name="path"/>, if any (with the file, it is the whole of a partial download).</summary>
    public static void DiscardJournal(string path) => AtomicFile.Discard(path + JournalSuffix);

    private static async Task DownloadChunkAsync(IRangeReadableSource source, RemoteObject remote, SafeFileHandle handle, long start, long length, ChunkedDownloadOptions options, BytesWritten onWritten, CancellationToken cancellationToken)
    {
        if (length == 0)
        {
            return;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            var written = 0L;
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    written += await CopyRangeAsync(source, remote, handle, start + written, length - written, buffer, options.ReadTimeout, onWritten, cancellationToken).ConfigureAwait(false);
                    if (written == length)
                    {
                        return;
                    }

                    throw new StateStoreException(StateStoreError.Unreachable, $"{source.Description}: the connection ended after {written} of the {length} bytes asked for from offset {start}.");
                }
                catch (StateStoreException e) when (e.IsTransient && attempt < options.MaxRetries && !cancellationToken.IsCancellationRequested && RetryWait(e, attempt, options) is { } wait)
                {
                    await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // Copies one range into the file; returns the bytes written. A read failure of the response body (a cut or reset
    // connection, a premature end) is a transient store error, so the caller can continue from what was written.
    private static async Task<long> CopyRangeAsync(IRangeReadableSource source, RemoteObject remote, SafeFileHandle handle, long offset, long length, byte[] buffer, TimeSpan readTimeout, BytesWritten onWritten, CancellationToken cancellationToken)
    {
        // A silent server must not hold a download forever: each wait for bytes is bounded, the request included.
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        idle.CancelAfter(readTimeout);
        Stream body;
        try
        {
            body = await source.OpenRangeAsync(remote, offset, length, idle.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new StateStoreException(StateStoreError.Timeout, $"{source.Description}: no answer within {readTimeout.TotalSeconds:0} s to a request for the bytes from offset {offset}.", null, e);
        }

        await using (body.ConfigureAwait(false))
        {
            long copied = 0;
            while (copied < length)
            {
                int read;
                try
                {
                    idle.CancelAfter(readTimeout);
                    read = await body.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, length - copied)), idle.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
                {
                    if (copied > 0)
                    {
                        return copied;
                    }

                    throw new StateStoreException(StateStoreError.Unreachable, $"{source.Description}: the connection failed while reading from offset {offset}: {e.Message}", null, e);
                }
                catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
                {
                    if (copied > 0)
                    {
                        return copied;
                    }

                    throw new StateStoreException(StateStoreError.Timeout, $"{source.Description}: no data for {readTimeout.TotalSeconds:0} s from offset {offset}.", null, e);
                }

                if (read == 0)
                {
                    return copied;
                }

                await RandomAccess.WriteAsync(handle, buffer.AsMemory(0, read), offset + copied, cancellationToken).ConfigureAwait(false);
                onWritten(offset + copied, buffer.AsSpan(0, read));
                copied += read;
            }

            // A server that sends more than the range asked for is not trusted with the rest of the object either.
            int extra;
            try
            {
                extra = await body.ReadAsync(buffer.AsMemory(0, 1), idle.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Every byte asked for is on disk: the chunk counts as done even when the download stops now.
                return copied;
            }

            if (extra != 0)
            {
                throw new StateStoreException(StateStoreError.InvalidContent, $"{source.Description}: the server sent more than the {length} bytes asked for from offset {offset}.");
            }

            return copied;
        }
    }

    private static TimeSpan? RetryWait(StateStoreException error, int attempt, ChunkedDownloadOptions options)
    {
        if (error.RetryAfter is { } after)
        {
            // A rate limit that resets later than a minute from now is reported rather than waited out.
            return after <= TimeSpan.FromMinutes(1) ? after : null;
        }

        var backoff = options.RetryDelay * Math.Pow(2, attempt);
        return backoff + (backoff * (Random.Shared.NextDouble() * 0.25));
    }

    // Replaced by rename, never fsynced: it must survive a killed process (the page cache keeps both the journal and
    // the chunks it lists), not a power cut, and an fsync per chunk would cost more than the chunks.
    private static async Task SaveJournalAsync(string journalPath, DownloadJournal journal)
    {
        var temporary = journalPath + ".tmp";
        await File.WriteAllBytesAsync(temporary, JsonSerializer.SerializeToUtf8Bytes(journal), CancellationToken.None).ConfigureAwait(false);
        File.Move(temporary, journalPath, overwrite: true);
    }

    private static long ChunkLength(int index, long chunkSize, long size) => Math.Min(chunkSize, size - (index * chunkSize));

    private static DownloadJournal? TryLoadJournal(string journalPath, string path, RemoteObject remote, long chunkSize, int chunkCount)
    {
        try
        {
            if (!File.Exists(journalPath) || !File.Exists(path) || new FileInfo(path).Length != remote.Size)
            {
                return null;
            }

            var journal = JsonSerializer.Deserialize<DownloadJournal>(File.ReadAllBytes(journalPath));
            return journal is not null && journal.Version == remote.Version && journal.Size == remote.Size && journal.ChunkSize == chunkSize && journal.Done?.Length == chunkCount
                ? journal
                : null;
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Bytes now on disk at <paramref name="position"/> of the object (<paramref name="bytes"/> is the copy buffer).</summary>
    private delegate void BytesWritten(long position, ReadOnlySpan<byte> bytes);

    /// <summary>What a resumable download has finished: the object's identity and one flag per chunk.</summary>
    private sealed record DownloadJournal(string? Version, long Size, long ChunkSize, bool[] Done);
}
