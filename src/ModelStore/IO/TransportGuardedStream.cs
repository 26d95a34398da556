using ModelStore.Downloads;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.IO;

/// <summary>
/// A forward-only read view of a response body from a store: a connection that fails while the body is read (reset,
/// cut, ended before its length) is a <see cref="StateStoreException"/> with <see cref="StateStoreError.Unreachable"/>,
/// and a read that waits longer than the read timeout is one with <see cref="StateStoreError.Timeout"/>, instead of the
/// transport's own exception. Disposing it disposes the owner (the response) too.
/// </summary>
public sealed class TransportGuardedStream : Stream
{
    private readonly Stream _inner;
    private readonly IDisposable? _owner;
    private readonly string _description;
    private readonly StateKey? _key;
    private readonly TimeSpan _readTimeout;
    private long _position;

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    /// <param name="inner">The body.</param>
    /// <param name="owner">Disposed after <paramref name="inner"/> (the response), if any.</param>
    /// <param name="description">Names what is read in messages (never credentials).</param>
    /// <param name="key">The state concerned, if any.</param>
    /// <param name="readTimeout">The longest wait for the next bytes of an asynchronous read.</param>
    public TransportGuardedStream(Stream inner, IDisposable? owner, string description, StateKey? key, TimeSpan readTimeout)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentException.ThrowIfNullOrWhiteSpace(description);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(readTimeout, TimeSpan.Zero);
        _inner = inner;
        _owner = owner;
        _description = description;
        _key = key;
        _readTimeout = readTimeout;
    }

    /// <inheritdoc />
    public override bool CanRead => true;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanWrite => false;

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc />
    public override int Read(Span<byte> buffer)
    {
        try
        {
            return Count(_inner.Read(buffer));
        }
        catch (Exception e) when (IsTransportFailure(e))
        {
            throw Interrupted(e);
        }
    }

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        idle.CancelAfter(_readTimeout);
        try
        {
            return Count(await _inner.ReadAsync(buffer, idle.Token).ConfigureAwait(false));
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new StateStoreException(StateStoreError.Timeout, $"{_description}: no data for {_readTimeout.TotalSeconds:0} s after {_position} bytes.", _key, e);
        }
        catch (Exception e) when (IsTransportFailure(e) && !cancellationToken.IsCancellationRequested)
        {
            throw Interrupted(e);
        }
    }

    /// <inheritdoc />
    public override void Flush()
    {
    }

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
            _owner?.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Count(int read)
    {
        _position += read;
        return read;
    }

    // A reset or cut connection, as the transport says it, or wrapped by an SDK that tried again before giving up (the
    // Azure SDK's retriable body stream throws an AggregateException of every attempt's failure).
    private static bool IsTransportFailure(Exception e) => e switch
    {
        IOException or HttpRequestException or System.Net.Sockets.SocketException => true,
        AggregateException { InnerExceptions.Count: > 0 } aggregate => IsTransportFailure(aggregate.InnerExceptions[^1]),
        { InnerException: { } inner } => IsTransportFailure(inner),
        _ => false,
    };

    private StateStoreException Interrupted(Exception e) =>
        new(StateStoreError.Unreachable, $"{_description}: the connection failed after {_position} bytes ({HttpStateErrors.Innermost(e)}). Try again; a download through the cache resumes where it stopped.", _key, e);
}
