using System.Security.Cryptography;

namespace ModelStore.IO;

/// <summary>
/// A body read once from start to end and checked as it reaches the end against what its source announced (a size and,
/// when known, a content hash): the read that finds the end calls <see cref="VerifyEnd"/>, which throws instead of
/// letting it return 0 when the bytes are not the announced ones, so a reader such as the cache discards them. Bytes
/// past the announced size fail at once (<see cref="Overrun"/>). Disposing it disposes the inner stream, then the owner
/// (the response), if any.
/// </summary>
/// <remarks>The skeleton of every store's end-of-body check (an OCI blob against its descriptor, a Hub file against its metadata); a subclass says only how to hash and what a mismatch says.</remarks>
public abstract class VerifyingStream : Stream
{
    private readonly Stream _inner;
    private readonly IDisposable? _owner;
    private readonly IncrementalHash? _hash;
    private readonly long _expectedSize;
    private long _read;
    private bool _verified;

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    /// <param name="inner">The body.</param>
    /// <param name="owner">Disposed after <paramref name="inner"/> (the response), if any.</param>
    /// <param name="expectedSize">The size the source announced.</param>
    /// <param name="hash">Fed every byte read, handed to <see cref="VerifyEnd"/>; <see langword="null"/> when only the size can be checked. Disposed with the stream.</param>
    protected VerifyingStream(Stream inner, IDisposable? owner, long expectedSize, IncrementalHash? hash)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentOutOfRangeException.ThrowIfNegative(expectedSize);
        _inner = inner;
        _owner = owner;
        _expectedSize = expectedSize;
        _hash = hash;
    }

    /// <inheritdoc />
    public override bool CanRead => true;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanWrite => false;

    /// <inheritdoc />
    /// <remarks>The announced size.</remarks>
    public override long Length => _expectedSize;

    /// <inheritdoc />
    public override long Position
    {
        get => _read;
        set => throw new NotSupportedException();
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc />
    public override int Read(Span<byte> buffer) => Account(buffer.Length, buffer[.._inner.Read(buffer)]);

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var read = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Account(buffer.Length, buffer.Span[..read]);
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

    /// <summary>Checks the whole body once its end is reached; throws when it is not what the source announced.</summary>
    /// <param name="bytesRead">The bytes the body had.</param>
    /// <param name="hash">The hash given to the constructor, fed every byte, or <see langword="null"/>.</param>
    protected abstract void VerifyEnd(long bytesRead, IncrementalHash? hash);

    /// <summary>Throws the source's own error for a body longer than announced, as soon as the extra bytes arrive (if it returns, the read throws <see cref="InvalidDataException"/>).</summary>
    /// <param name="bytesRead">The bytes read so far, more than the announced size.</param>
    protected abstract void Overrun(long bytesRead);

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
            _owner?.Dispose();
            _hash?.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Account(int requested, ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > 0)
        {
            _read += bytes.Length;
            _hash?.AppendData(bytes);
            if (_read > _expectedSize)
            {
                Overrun(_read);
                throw new InvalidDataException($"The body is longer than the {_expectedSize} bytes announced.");
            }
        }
        else if (requested > 0 && !_verified)
        {
            _verified = true;
            VerifyEnd(_read, _hash);
        }

        return bytes.Length;
    }
}
