using System.Buffers;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace ModelStore.Downloads;

/// <summary>
/// The SHA-256 of a file written in chunks, out of order, by several writers. The hash has reached some offset (the
/// frontier); bytes written exactly there are hashed from the writer's buffer, with no second pass over the file.
/// Bytes written ahead of the frontier are read back from the file when it reaches them (from the page cache, as they
/// were just written).
/// </summary>
/// <remarks>Each chunk is written from its start onwards, without gaps (a retry continues where the chunk stopped).</remarks>
internal sealed class OrderedHasher : IDisposable
{
    private const int ReadBackBufferSize = 1024 * 1024;

    private readonly object _gate = new();
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly SafeFileHandle _file;
    private readonly long _chunkSize;
    private readonly long _size;
    private readonly long[] _writtenEnd;
    private long _frontier;
    private byte[]? _readBack;

    /// <summary>Starts at offset 0 of <paramref name="file"/>; chunks marked <paramref name="done"/> are already on disk.</summary>
    public OrderedHasher(SafeFileHandle file, long chunkSize, long size, IReadOnlyList<bool> done)
    {
        _file = file;
        _chunkSize = chunkSize;
        _size = size;
        _writtenEnd = new long[done.Count];
        for (var index = 0; index < done.Count; index++)
        {
            var start = index * chunkSize;
            _writtenEnd[index] = done[index] ? Math.Min(size, start + chunkSize) : start;
        }

        lock (_gate)
        {
            CatchUp();
        }
    }

    /// <summary>How many bytes were read back from the file rather than hashed from a writer's buffer.</summary>
    public long BytesReadBack { get; private set; }

    /// <summary>Records that <paramref name="bytes"/> are now on disk at <paramref name="position"/>.</summary>
    public void Written(long position, ReadOnlySpan<byte> bytes)
    {
        var chunk = (int)(position / _chunkSize);
        lock (_gate)
        {
            _writtenEnd[chunk] = position + bytes.Length;
            if (position == _frontier)
            {
                _hash.AppendData(bytes);
                _frontier += bytes.Length;
            }

            CatchUp();
        }
    }

    /// <summary>The lower-case hex SHA-256 of the whole file.</summary>
    /// <exception cref="IOException">Not every byte was written.</exception>
    public string Finish()
    {
        lock (_gate)
        {
            return _frontier == _size
                ? Convert.ToHexStringLower(_hash.GetHashAndReset())
                : throw new IOException($"The download has {_frontier} of {_size} bytes in order.");
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _hash.Dispose();
        if (_readBack is not null)
        {
            ArrayPool<byte>.Shared.Return(_readBack);
            _readBack = null;
        }
    }

    // While the frontier is inside bytes already on disk (a chunk that finished, or ran, ahead of it), read them back.
    private void CatchUp()
    {
        while (_frontier < _size)
        {
            var end = _writtenEnd[(int)(_frontier / _chunkSize)];
            if (_frontier >= end)
            {
                return;
            }

            _readBack ??= ArrayPool<byte>.Shared.Rent(ReadBackBufferSize);
            var read = RandomAccess.Read(_file, _readBack.AsSpan(0, (int)Math.Min(_readBack.Length, end - _frontier)), _frontier);
            if (read == 0)
            {
                throw new IOException($"The downloaded file ended at {_frontier} of {_size} bytes.");
            }

            _hash.AppendData(_readBack, 0, read);
            _frontier += read;
            BytesReadBack += read;
        }
    }
}
