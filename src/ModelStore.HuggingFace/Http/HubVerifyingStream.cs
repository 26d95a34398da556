using System.Security.Cryptography;
using ModelStore.States;

namespace ModelStore.HuggingFace.Http;

/// <summary>
/// The body of a file download, read once from start to end, that checks size and content hash against the Hub's
/// metadata as it reaches the end: the last read throws <see cref="Stores.StateStoreError.IntegrityMismatch"/> instead
/// of returning 0 when the bytes are not the file's, so a reader such as the cache discards them. The same check
/// covers a file taken from huggingface_hub's cache (no response then), which another program may change at any time.
/// </summary>
internal sealed class HubVerifyingStream(Stream inner, HttpResponseMessage? response, HubFileMetadata metadata, string source, StateKey? key) : Stream
{
    private readonly IncrementalHash? _hash = HubContentCheck.StartHash(metadata);
    private long _read;
    private bool _verified;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => metadata.Size;

    public override long Position
    {
        get => _read;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = inner.Read(buffer);
        return Account(buffer.Length, buffer[..read]);
    }

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
            response?.Dispose();
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
            if (_read > metadata.Size)
            {
                HubContentCheck.VerifyStream(metadata, _read, null, source, key);
            }
        }
        else if (requested > 0 && !_verified)
        {
            _verified = true;
            HubContentCheck.VerifyStream(metadata, _read, _hash, source, key);
        }

        return bytes.Length;
    }
}
