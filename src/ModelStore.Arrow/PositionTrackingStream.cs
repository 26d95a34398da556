namespace ModelStore.Arrow;

/// <summary>
/// A write-only view of a stream that knows how many bytes went through it, so the Arrow file writer (which
/// records block offsets for the footer) works on forward-only destinations such as network streams.
/// </summary>
/// <remarks>
/// Apache.Arrow's <c>ArrowFileWriter</c> refuses streams that cannot seek, yet only reads <see cref="Position"/>:
/// this view reports <see cref="CanSeek"/> and answers <see cref="Position"/> from the count, and refuses any real seek.
/// </remarks>
/// <remarks>
/// When the writer writes the region of <paramref name="placeholder"/>, the weights' own bytes are written instead.
/// </remarks>
internal sealed class PositionTrackingStream(Stream inner, ValuesPlaceholder? placeholder = null) : Stream
{
    private long _written;

    public override bool CanRead => false;

    public override bool CanSeek => true;

    public override bool CanWrite => true;

    public override long Length => _written;

    public override long Position
    {
        get => _written;
        set => throw new NotSupportedException();
    }

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (placeholder is not null && placeholder.TryLocate(buffer, out var offset))
        {
            placeholder.WriteTo(inner, offset, buffer.Length);
        }
        else
        {
            inner.Write(buffer);
        }

        _written += buffer.Length;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (placeholder is not null && placeholder.TryLocate(buffer.Span, out var offset))
        {
            await placeholder.WriteToAsync(inner, offset, buffer.Length, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }

        _written += buffer.Length;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
}
