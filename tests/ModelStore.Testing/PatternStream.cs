using System.Security.Cryptography;

namespace ModelStore.Testing;

/// <summary>
/// A forward-only stream of <see cref="Length"/> deterministic pseudo-random bytes, generated on the fly,
/// so that tests can move hundreds of megabytes without holding them.
/// </summary>
public sealed class PatternStream(long length, int seed = 1) : Stream
{
    private long _position;
    private ulong _state = (ulong)seed * 0x9E3779B97F4A7C15UL + 1;

    /// <summary>Invoked after each read with the position reached (to cancel mid-stream, for instance).</summary>
    public Action<long>? OnRead { get; set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    /// <summary>The SHA-256 (lower-case hex) of the bytes a <see cref="PatternStream"/> with these arguments yields.</summary>
    public static string Sha256Of(long length, int seed = 1)
    {
        using var stream = new PatternStream(length, seed);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var count = (int)Math.Min(buffer.Length, length - _position);
        for (var i = 0; i < count; i++)
        {
            // xorshift64*: fast, deterministic, no allocation.
            _state ^= _state >> 12;
            _state ^= _state << 25;
            _state ^= _state >> 27;
            buffer[i] = (byte)((_state * 0x2545F4914F6CDD1DUL) >> 56);
        }

        _position += count;
        OnRead?.Invoke(_position);
        return count;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Read(buffer.Span));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
