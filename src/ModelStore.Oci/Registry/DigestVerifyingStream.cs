using System.Security.Cryptography;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Oci.Registry;

/// <summary>
/// A blob's body, read once from start to end, checked against its descriptor as it reaches the end: the last read
/// throws <see cref="StateStoreError.IntegrityMismatch"/> instead of returning 0 when the size or the sha256 digest
/// differs, so a reader such as the cache discards the bytes.
/// </summary>
internal sealed class DigestVerifyingStream(Stream inner, IDisposable owner, OciDescriptor descriptor, string where, StateKey? key) : Stream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _read;
    private bool _verified;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => descriptor.Size;

    public override long Position
    {
        get => _read;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer) => Account(buffer.Length, buffer[..inner.Read(buffer)]);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Account(buffer.Length, buffer.Span[..read]);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
            owner.Dispose();
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Account(int asked, ReadOnlySpan<byte> read)
    {
        _read += read.Length;
        _hash.AppendData(read);
        if (_read > descriptor.Size)
        {
            throw Mismatch($"it is longer than the {descriptor.Size} bytes its descriptor gives");
        }

        if (read.Length == 0 && asked > 0 && !_verified)
        {
            if (_read != descriptor.Size)
            {
                throw Mismatch($"it ended after {_read} of {descriptor.Size} bytes");
            }

            var digest = "sha256:" + Convert.ToHexStringLower(_hash.GetHashAndReset());
            if (!string.Equals(digest, descriptor.Digest, StringComparison.Ordinal))
            {
                throw Mismatch($"its bytes hash to {digest}");
            }

            _verified = true;
        }

        return read.Length;
    }

    private StateStoreException Mismatch(string why) =>
        new(StateStoreError.IntegrityMismatch, $"The blob {descriptor.Digest} of {where} is damaged: {why}.", key);
}
