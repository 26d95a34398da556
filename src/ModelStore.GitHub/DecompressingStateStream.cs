using System.IO.Compression;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.GitHub;

/// <summary>
/// The state bytes of a downloaded asset: the response body gunzipped on the way, refused with
/// <see cref="StateStoreError.InvalidContent"/> once more than the allowed size comes out (a gzip bomb) or when
/// the gzip is corrupt. Disposing it releases the HTTP response.
/// </summary>
internal sealed class DecompressingStateStream : Stream
{
    private readonly HttpResponseMessage _response;
    private readonly GZipStream _gzip;
    private readonly long _maxSize;
    private readonly StateKey _key;
    private readonly string _where;
    private long _position;

    private DecompressingStateStream(HttpResponseMessage response, Stream compressed, long maxSize, StateKey key, string where)
    {
        _response = response;
        _gzip = new GZipStream(compressed, CompressionMode.Decompress);
        _maxSize = maxSize;
        _key = key;
        _where = where;
    }

    /// <summary>The error for a state that decompresses to more than <paramref name="maxSize"/> bytes (also raised when a downloaded file is decompressed).</summary>
    public static StateStoreException TooLarge(StateKey key, string where, long maxSize) =>
        new(StateStoreError.InvalidContent, $"State {key} in {where} decompresses to more than the allowed {maxSize} bytes (GitHubReleaseStoreOptions.MaxDecompressedSize); it was refused.", key);

    /// <summary>The error for a state whose gzip is corrupt.</summary>
    public static StateStoreException Corrupt(StateKey key, string where, InvalidDataException e) =>
        new(StateStoreError.InvalidContent, $"State {key} in {where} is not a valid gzip stream: {e.Message}", key, e);

    public static async Task<Stream> OpenAsync(HttpResponseMessage response, long maxSize, StateKey key, string where, CancellationToken cancellationToken)
    {
        var compressed = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        return new DecompressingStateStream(response, compressed, maxSize, key, where);
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        try
        {
            return Count(_gzip.Read(Limit(buffer)));
        }
        catch (InvalidDataException e)
        {
            throw Corrupt(_key, _where, e);
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            throw Interrupted(e);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            var read = await _gzip.ReadAsync(buffer[..LimitLength(buffer.Length)], cancellationToken).ConfigureAwait(false);
            return Count(read);
        }
        catch (InvalidDataException e)
        {
            throw Corrupt(_key, _where, e);
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            throw Interrupted(e);
        }
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
            _gzip.Dispose();
            _response.Dispose();
        }

        base.Dispose(disposing);
    }

    // One byte more than the limit is asked for, so that crossing it is seen without reading further.
    private Span<byte> Limit(Span<byte> buffer) => buffer[..LimitLength(buffer.Length)];

    private int LimitLength(int requested) => (int)Math.Min(requested, _maxSize - _position + 1);

    private int Count(int read)
    {
        _position += read;
        if (_position > _maxSize)
        {
            throw TooLarge(_key, _where, _maxSize);
        }

        return read;
    }

    private StateStoreException Interrupted(Exception e) =>
        new(StateStoreError.Unreachable, $"The download of state {_key} from {_where} was interrupted: {e.Message}", _key, e);
}
