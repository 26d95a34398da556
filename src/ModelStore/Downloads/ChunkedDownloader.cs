using Microsoft.Win32.SafeHandles;
using ModelStore.IO;
using ModelStore.Stores;

namespace ModelStore.Downloads;

/// <summary>
/// Downloads one remote object into a file with parallel ranged reads, each chunk written at its offset, and
/// records the finished chunks in a journal beside the file (<c>{path}.journal</c>) so that a download interrupted in
/// any way (cancellation, a dropped connection, <c>kill -9</c>) resumes with only the missing chunks, as long as the
/// object's size and version are unchanged. A chunk cut by a transient failure is tried again from the bytes it
/// already wrote. The file's SHA-256 is computed on the way, in order, from the segments as they are written.
/// Memory is bounded by <see cref="ChunkedDownloadOptions.Parallelism"/> 256 KiB segments plus at most 64 MiB of
/// segments that landed ahead of the hash, whatever the object's size.
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

    // The most bytes of the chunks ahead of the hash kept in memory per download; the rest is read back from the file.
    private const long MaxHashAheadBytes = 64L * 1024 * 1024;

    // How many segments a range copies before it lets other work run on its thread (4 × 256 KiB: 1 MiB).
    private const int SegmentsBetweenYields = 4;

    // Set by KeepCompletedJournals for the downloads of one flow (the cache's), not for other callers.
    private static readonly AsyncLocal<bool> CallerCommits = new();

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
        using var activity = Diagnostics.ModelStoreTelemetry.Source.StartActivity(Diagnostics.ModelStoreTelemetry.DownloadActivity);
        activity?.SetTag("modelstore.download.size", remote.Size);

        var size = remote.Size;
        options = ConnectionBudget.Apply(options, size);

        // A resumed download keeps the chunks its journal recorded, even when the split planned now differs (another
        // share of the connections, other options): what is on disk is never fetched again for a change of plan.
        var resumed = remote.IsResumable ? DownloadJournal.TryLoad(path, remote) : null;
        var chunkSize = resumed?.ChunkSize ?? (remote.AcceptsRanges ? options.ChunkSize : Math.Max(size, 1));
        var chunkCount = DownloadJournal.ChunkCount(size, chunkSize);
        var journal = resumed ?? DownloadJournal.Start(path, remote, chunkSize, chunkCount);
        var written = journal.Written;
        var fresh = journal.IsEmpty;
        if (fresh)
        {
            DownloadJournal.Discard(path);
        }

        // Synchronous writes: a segment goes to the page cache on the thread that received it, without a hop to the pool.
        using var handle = LinkSafeFile.OpenHandle(path, fresh ? FileMode.Create : FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete);
        if (fresh)
        {
            // The whole file's blocks first: a disk without room for it fails here, before a byte is fetched.
            try
            {
                DiskReservation.Reserve(handle, path, size);
            }
            catch (IOException)
            {
                handle.Dispose();
                AtomicFile.Discard(path);
                throw;
            }
        }
        else if (RandomAccess.GetLength(handle) != size)
        {
            RandomAccess.SetLength(handle, size);
        }

        long onDisk = journal.Done.Select((done, index) => done ? DownloadJournal.ChunkLength(index, chunkSize, size) : written[index]).Sum();
        long transferred = 0;
        (progress as IDownloadProgress)?.ReportTotal(size);
        progress?.Report(onDisk);

        // Chunks finish out of order; the hash follows them in order on a loop of its own, mostly from the segments as they
        // are written (see OrderedHasher). What an earlier process wrote is hashed from the file, once, while the missing
        // bytes arrive.
        using var hasher = new OrderedHasher(handle, size, HashAheadBudget(options));
        for (var index = 0; index < chunkCount; index++)
        {
            hasher.AddOnDisk(index * chunkSize, journal.Done[index] ? DownloadJournal.ChunkLength(index, chunkSize, size) : written[index]);
        }

        hasher.Start();

        // A cancel also stops the hash: a resume of a file that was complete (only its hash left to do) ends at once too.
        using var stopHashingOnCancel = cancellationToken.Register(static state => ((OrderedHasher)state!).Stop(), hasher);
        var pending = Enumerable.Range(0, chunkCount).Where(index => !journal.Done[index]).ToList();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = remote.AcceptsRanges ? options.Parallelism : 1, CancellationToken = cancellationToken };
        try
        {
            await Parallel.ForEachAsync(pending, parallel, async (index, token) =>
            {
                // A chunk a killed process had started resumes after the bytes its journal checkpoint records.
                var already = written[index];
                var start = (index * chunkSize) + already;
                var length = DownloadJournal.ChunkLength(index, chunkSize, size) - already;
                await DownloadChunkAsync(source, remote, handle, hasher, start, length, options, bytes =>
                {
                    Interlocked.Add(ref transferred, bytes);
                    progress?.Report(Interlocked.Add(ref onDisk, bytes));
                    journal.Wrote(index, bytes);
                }, token).ConfigureAwait(false);

                // The chunk's pages head for the disk now, while the others arrive, not all at the caller's fsync.
                Writeback.Start(handle, index * chunkSize, DownloadJournal.ChunkLength(index, chunkSize, size));
                journal.Finished(index);
            }).ConfigureAwait(false);

            // The hashing loop takes the last segments (and, on a resume, what the file already held) once the writers are done.
            await hasher.WhenHashedAsync().ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
        catch
        {
            // Every chunk has stopped: what they wrote is recorded for the next attempt, up to the last byte, and the
            // room reserved for the rest goes back to the disk.
            SaveOnStop(journal);
            hasher.Stop();
            await hasher.WhenHashedAsync().ConfigureAwait(false);
            ReleaseUnwritten(handle, journal, chunkSize, size);
            throw;
        }

        activity?.SetTag("modelstore.download.hash_read_back", hasher.BytesReadBack);

        // No fsync here (like `aws s3 cp`): callers that rename the file into place flush it first, as the cache does.
        var sha256 = hasher.Finish();
        if (CallerCommits.Value)
        {
            journal.Save();
        }
        else
        {
            DownloadJournal.Discard(path);
        }

        return new FileDownload(size, transferred, sha256);
    }

    /// <summary>Deletes the journal of a download into <paramref name="path"/>, if any (with the file, it is the whole of a partial download).</summary>
    public static void DiscardJournal(string path) => DownloadJournal.Discard(path);

    /// <summary>
    /// Until disposed, the downloads this flow starts keep their journal once complete (every chunk recorded), for a
    /// caller that moves the file somewhere durable first and then calls <see cref="DiscardJournal"/>: a process killed in
    /// between finds a complete journal, and the next download only re-hashes the file instead of fetching it again.
    /// </summary>
    internal static IDisposable KeepCompletedJournals()
    {
        var previous = CallerCommits.Value;
        CallerCommits.Value = true;
        return new JournalScope(previous);
    }

    private static async Task DownloadChunkAsync(IRangeReadableSource source, RemoteObject remote, SafeFileHandle handle, OrderedHasher hasher, long start, long length, ChunkedDownloadOptions options, Action<int> onWritten, CancellationToken cancellationToken)
    {
        if (length == 0)
        {
            return;
        }

        var written = 0L;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                written += await CopyRangeAsync(source, remote, handle, hasher, start + written, length - written, options.ReadTimeout, onWritten, cancellationToken).ConfigureAwait(false);
                if (written == length)
                {
                    return;
                }

                throw new StateStoreException(StateStoreError.Unreachable, $"{source.Description}: the connection ended after {written} of the {length} bytes asked for from offset {start}.");
            }
            catch (StateStoreException e) when (e.IsTransient && attempt < options.MaxRetries && !cancellationToken.IsCancellationRequested && RetryWait(e, attempt, options) is { } wait)
            {
                Diagnostics.ModelStoreTelemetry.Retried("chunk");
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    // Copies one range into the file, a filled segment per write; returns the bytes written. A read failure of the
    // response body (a cut or reset connection, a premature end) is a transient store error, so the caller can continue
    // from what was written: the part of a segment received before the failure is written too.
    private static async Task<long> CopyRangeAsync(IRangeReadableSource source, RemoteObject remote, SafeFileHandle handle, OrderedHasher hasher, long offset, long length, TimeSpan readTimeout, Action<int> onWritten, CancellationToken cancellationToken)
    {
        // A silent server must not hold a download forever: each wait for bytes is bounded, the request included.
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        idle.CancelAfter(readTimeout);
        var roomWait = readTimeout / 2 < OrderedHasher.MaxRoomWait ? readTimeout / 2 : OrderedHasher.MaxRoomWait;
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
            var segments = 0;
            while (copied < length)
            {
                // Ahead of the hash with its budget full: the bytes wait in the socket rather than being read back later (never
                // as long as the read timeout, which keeps running meanwhile).
                await hasher.WaitForRoomAsync(offset + copied, roomWait, cancellationToken).ConfigureAwait(false);
                var segment = hasher.Rent();
                var wanted = (int)Math.Min(segment.Length, length - copied);
                var filled = 0;
                Exception? failure = null;
                try
                {
                    while (filled < wanted)
                    {
                        idle.CancelAfter(readTimeout);
                        var read = await body.ReadAsync(segment.AsMemory(filled, wanted - filled), idle.Token).ConfigureAwait(false);
                        if (read == 0)
                        {
                            break;
                        }

                        filled += read;
                    }
                }
                catch (Exception e) when (IsCut(e, cancellationToken))
                {
                    failure = e;
                }
                catch
                {
                    hasher.Return(segment);
                    throw;
                }

                if (filled == 0)
                {
                    hasher.Return(segment);
                }
                else
                {
                    try
                    {
                        RandomAccess.Write(handle, segment.AsSpan(0, filled), offset + copied);
                    }
                    catch
                    {
                        hasher.Return(segment);
                        throw;
                    }

                    hasher.Add(offset + copied, segment, filled);
                    copied += filled;
                    onWritten(filled);
                    if (++segments % SegmentsBetweenYields == 0)
                    {
                        // A body whose bytes keep arriving completes every read at once and would hold this pool thread
                        // for its whole range; the other downloads in flight (a bundle's files, each one stream) then
                        // waited for the pool to grow, half a second per thread, before they could start or go on.
                        await Task.Yield();
                    }
                }

                if (failure is not null)
                {
                    return copied > 0 ? copied : throw CutError(source, offset, readTimeout, failure);
                }

                if (filled < wanted)
                {
                    return copied; // The body ended early: the caller asks for the rest again.
                }
            }

            // A server that sends more than the range asked for is not trusted with the rest of the object either.
            var probe = new byte[1];
            int extra;
            try
            {
                extra = await body.ReadAsync(probe, idle.Token).ConfigureAwait(false);
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

    // A failure of the body that a retry from the bytes already written can get past: a cut or reset connection, a read
    // that timed out, or a body stream that codes its own transient failures (TransportGuardedStream).
    private static bool IsCut(Exception e, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested && e is IOException or HttpRequestException or OperationCanceledException or StateStoreException { IsTransient: true };

    // What a cut before any byte of the range arrived is reported as.
    private static Exception CutError(IRangeReadableSource source, long offset, TimeSpan readTimeout, Exception cut) => cut switch
    {
        StateStoreException coded => coded,
        OperationCanceledException => new StateStoreException(StateStoreError.Timeout, $"{source.Description}: no data for {readTimeout.TotalSeconds:0} s from offset {offset}.", null, cut),
        _ => new StateStoreException(StateStoreError.Unreachable, $"{source.Description}: the connection failed while reading from offset {offset}: {cut.Message}", null, cut),
    };

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

    // Enough for the chunks in flight besides the one at the hash (they finish about together), within the cap.
    private static long HashAheadBudget(ChunkedDownloadOptions options) => Math.Min(MaxHashAheadBytes, (options.Parallelism - 1) * options.ChunkSize);

    // Past each unfinished chunk's recorded bytes nothing counts for a resume, so those blocks can go.
    private static void ReleaseUnwritten(SafeFileHandle handle, DownloadJournal journal, long chunkSize, long size)
    {
        for (var index = 0; index < journal.Done.Length; index++)
        {
            if (!journal.Done[index])
            {
                var start = (index * chunkSize) + journal.Written[index];
                DiskReservation.Release(handle, start, DownloadJournal.ChunkLength(index, chunkSize, size) - journal.Written[index]);
            }
        }
    }

    // A journal that cannot be saved costs the next attempt some bytes, not this failure its message.
    private static void SaveOnStop(DownloadJournal journal)
    {
        try
        {
            if (!journal.IsEmpty)
            {
                journal.Save();
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private sealed class JournalScope(bool previous) : IDisposable
    {
        public void Dispose() => CallerCommits.Value = previous;
    }
}
