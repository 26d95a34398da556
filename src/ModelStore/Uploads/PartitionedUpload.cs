using System.Runtime.ExceptionServices;

namespace ModelStore.Uploads;

/// <summary>
/// Reads a stream part by part and sends the parts a few at a time: the upload path of every store that writes large
/// objects in parts (S3 multipart uploads, Azure block blobs). The source may be non-seekable; memory is bounded by
/// <c>parallelism × part size</c> whatever the stream's length, buffers are reused, and the first failed part stops the
/// reading and the other parts.
/// </summary>
public static class PartitionedUpload
{
    /// <summary>Fills <paramref name="buffer"/> from <paramref name="content"/>; fewer bytes only at the end of the stream.</summary>
    /// <returns>The number of bytes read.</returns>
    /// <exception cref="SourceStreamException">The stream failed (its exception is the inner one).</exception>
    public static async Task<int> ReadPartAsync(Stream content, byte[] buffer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(buffer);
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

    /// <summary>
    /// Sends <paramref name="first"/> (a whole part, already read) and every following part of <paramref name="content"/>
    /// (parts of <c>first.Length</c> bytes, the last one shorter), at most <paramref name="parallelism"/> at once.
    /// </summary>
    /// <param name="content">The rest of the stream.</param>
    /// <param name="first">The first part; its length is the part size.</param>
    /// <param name="parallelism">How many parts are in flight (each holds one buffer).</param>
    /// <param name="sendPart">Sends one part: its index from 0, and a read-only stream of its bytes, valid until the task ends.</param>
    /// <param name="cancellationToken">Stops the upload.</param>
    /// <returns>What <paramref name="sendPart"/> returned for each part, in part order.</returns>
    /// <exception cref="SourceStreamException">The stream failed.</exception>
    public static async Task<IReadOnlyList<T>> SendPartsAsync<T>(Stream content, byte[] first, int parallelism, Func<int, Stream, CancellationToken, Task<T>> sendPart, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(sendPart);
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelism, 1);
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var slots = new SemaphoreSlim(parallelism, parallelism);
        var spare = new Stack<byte[]>();
        var inFlight = new List<Task<T>>();
        var buffer = first;
        var length = first.Length;
        try
        {
            while (length > 0)
            {
                await slots.WaitAsync(failed.Token).ConfigureAwait(false);
                inFlight.Add(SendAsync(inFlight.Count, buffer, length, sendPart, slots, spare, failed));

                lock (spare)
                {
                    buffer = spare.Count > 0 ? spare.Pop() : null!;
                }

                buffer ??= GC.AllocateUninitializedArray<byte>(first.Length);
                length = await ReadPartAsync(content, buffer, failed.Token).ConfigureAwait(false);
            }

            return await Task.WhenAll(inFlight).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            await failed.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(inFlight.Select(task => task.ContinueWith(static _ => { }, TaskScheduler.Default))).ConfigureAwait(false);

            // The part that failed first says why, not the cancellation it caused in the reading or in the other parts.
            var cause = inFlight.Select(task => task.Exception?.InnerException).FirstOrDefault(inner => inner is not null and not OperationCanceledException);
            if (cause is not null && e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                ExceptionDispatchInfo.Throw(cause);
            }

            throw;
        }
    }

    private static async Task<T> SendAsync<T>(int index, byte[] buffer, int length, Func<int, Stream, CancellationToken, Task<T>> sendPart, SemaphoreSlim slots, Stack<byte[]> spare, CancellationTokenSource failed)
    {
        try
        {
            using var body = new MemoryStream(buffer, 0, length, writable: false);
            return await sendPart(index, body, failed.Token).ConfigureAwait(false);
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
}
