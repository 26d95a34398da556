namespace ModelStore.Arrow;

/// <summary>A read-only, seekable stream: the first <c>prefixLength</c> bytes of another stream, then a tail held in memory.</summary>
internal sealed class SplicedStream(Stream prefix, long prefixLength, byte[] tail) : Stream
{
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => prefixLength + tail.Length;

    public override long Position
    {
        get => _position;
        set => _position = value is >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_position < prefixLength)
        {
            prefix.Position = _position;
            var read = prefix.Read(buffer[..(int)Math.Min(buffer.Length, prefixLength - _position)]);
            _position += read;
            return read;
        }

        var start = _position - prefixLength;
        if (start >= tail.Length)
        {
            return 0;
        }

        var length = (int)Math.Min(buffer.Length, tail.Length - start);
        tail.AsSpan((int)start, length).CopyTo(buffer);
        _position += length;
        return length;
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => Length + offset,
        };
        return _position;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
