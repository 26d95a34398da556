using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace ModelStore.Downloads;

/// <summary>
/// The SHA-256 of a file that several writers fill chunk by chunk, out of order. SHA-256 takes bytes in order only: the
/// hash has reached some offset (the frontier). A segment written exactly there is hashed from the writer's buffer; a
/// segment written ahead of it is kept in memory (up to a budget) until the frontier reaches it, so the file is never
/// read back. Only what got ahead beyond the budget, and what an earlier process wrote before a resume, is read back
/// from the file (from the page cache, usually), once, when the frontier reaches it.
/// </summary>
/// <remarks>
/// A writer ahead of the frontier waits for room (<see cref="WaitForRoomAsync"/>) before it reads its next segment, so
/// its bytes stay in the socket rather than going to the file to be read back: chunks that start together at the same
/// speed fill the budget just as the one at the frontier ends, and without the wait any jitter sent half of a 1 GiB
/// download through a read-back (strace: 550-900 MiB of pread64). The wait is bounded: a chunk whose server is much
/// slower than the others' only costs the others a read-back, never a stalled download.
/// Writers take segment buffers from <see cref="Rent"/> and hand every one back through <see cref="Add"/> (after writing
/// it to the file) or <see cref="Return"/>. One writer at a time hashes (the one that finds the frontier free); the others
/// only queue their segment and carry on, so no writer waits for another. Each chunk is written from its start (or its
/// resume point) onwards without gaps, which a retry that continues where its chunk stopped keeps true.
/// </remarks>
internal sealed class OrderedHasher : IDisposable
{
    /// <summary>The size of a writer's segment: what one write and one hash step take at once.</summary>
    /// <remarks>
    /// 256 KiB: the bytes are still in the CPU's cache when the kernel copies them into the page cache and when they are
    /// hashed. With 1 MiB segments the kernel's copy alone took a third of a download's CPU time (system time 1.1 s
    /// against 0.5 s per 512 MiB, build/bench/url).
    /// </remarks>
    public const int SegmentSize = 256 * 1024;

    private const int ReadBackSize = 1024 * 1024;

    /// <summary>The longest a writer ahead waits for room before it writes anyway (and its bytes are read back later).</summary>
    public static readonly TimeSpan MaxRoomWait = TimeSpan.FromSeconds(1);

    private readonly object _gate = new();
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly SafeFileHandle _file;
    private readonly long _size;
    private readonly long _budget;
    private readonly int _segmentSize;

    // Segments (and file ranges) that arrived ahead of the frontier, by the offset they start at.
    private readonly Dictionary<long, Piece> _ahead = [];
    private readonly Stack<byte[]> _free = new();
    private long _frontier;
    private long _held;
    private bool _hashing;
    private byte[]? _readBack;

    // Completed (and replaced) when the frontier moves while a writer waits in WaitForRoomAsync: it looks again.
    private TaskCompletionSource _frontierMoved = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _waiting;

    // A frontier that did not move during a whole wait: until it moves, nobody waits for it again.
    private long _stalledFrontier = -1;

    /// <summary>Starts at offset 0 of <paramref name="file"/>, of <paramref name="size"/> bytes.</summary>
    /// <param name="file">The file the writers write to (read back only for bytes not kept in memory).</param>
    /// <param name="size">The file's final size.</param>
    /// <param name="budget">The most bytes kept in memory ahead of the frontier; beyond it, segments are read back later.</param>
    public OrderedHasher(SafeFileHandle file, long size, long budget)
    {
        _file = file;
        _size = size;
        _budget = budget;
        _segmentSize = (int)Math.Clamp(size, 1, SegmentSize);
    }

    /// <summary>How many bytes were hashed by reading them back from the file rather than from a writer's segment.</summary>
    public long BytesReadBack { get; private set; }

    /// <summary>The most bytes kept in memory ahead of the frontier at one time.</summary>
    public long PeakHeld { get; private set; }

    /// <summary>Whether bytes already on disk (<see cref="AddOnDisk"/>) wait at the frontier for <see cref="HashOnDisk"/>.</summary>
    public bool HasBytesOnDiskAtFrontier
    {
        get
        {
            lock (_gate)
            {
                return !_hashing && _ahead.TryGetValue(_frontier, out var piece) && piece.Segment is null;
            }
        }
    }

    /// <summary>Records <paramref name="length"/> bytes at <paramref name="offset"/> that are on disk already (an earlier process wrote them).</summary>
    public void AddOnDisk(long offset, long length)
    {
        if (length > 0)
        {
            lock (_gate)
            {
                _ahead.Add(offset, new Piece(length, null));
            }
        }
    }

    /// <summary>
    /// Waits until a segment written at <paramref name="offset"/> would be kept in memory: it is at the frontier, or the
    /// budget has room for it. Completes at once in the common case; waits at most <paramref name="maxWait"/> (see
    /// <see cref="MaxRoomWait"/>) for a frontier that does not move, and then not again until it does.
    /// </summary>
    public async ValueTask WaitForRoomAsync(long offset, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        var deadline = 0L;
        while (true)
        {
            Task moved;
            lock (_gate)
            {
                if (offset == _frontier || _held + _segmentSize <= _budget || _frontier == _stalledFrontier)
                {
                    return;
                }

                _waiting = true;
                moved = _frontierMoved.Task;
            }

            deadline = deadline == 0 ? Environment.TickCount64 + (long)maxWait.TotalMilliseconds : deadline;
            var left = deadline - Environment.TickCount64;
            try
            {
                await moved.WaitAsync(TimeSpan.FromMilliseconds(Math.Max(left, 0)), cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                lock (_gate)
                {
                    _stalledFrontier = _frontier;
                }

                return;
            }
        }
    }

    /// <summary>A segment buffer for a writer (<see cref="SegmentSize"/> bytes, or the whole file when it is smaller).</summary>
    public byte[] Rent()
    {
        lock (_gate)
        {
            return _free.TryPop(out var segment) ? segment : GC.AllocateUninitializedArray<byte>(_segmentSize);
        }
    }

    /// <summary>Gives back a segment that was not written.</summary>
    public void Return(byte[] segment)
    {
        lock (_gate)
        {
            _free.Push(segment);
        }
    }

    /// <summary>
    /// Takes <paramref name="count"/> bytes of <paramref name="segment"/> that are now in the file at <paramref name="offset"/>,
    /// and the segment with them: the caller must not use it any more.
    /// </summary>
    public void Add(long offset, byte[] segment, int count)
    {
        lock (_gate)
        {
            if (_hashing || offset != _frontier)
            {
                if (_held + segment.Length <= _budget)
                {
                    _ahead.Add(offset, new Piece(count, segment));
                    _held += segment.Length;
                    PeakHeld = Math.Max(PeakHeld, _held);
                }
                else
                {
                    _ahead.Add(offset, new Piece(count, null));
                    _free.Push(segment);
                }

                return;
            }

            _hashing = true;
        }

        _hash.AppendData(segment, 0, count);
        Return(segment);
        HashWhileAtFrontier(offset + count, CancellationToken.None);
    }

    /// <summary>Hashes what an earlier process left on disk at the frontier (and whatever follows it), when nobody else is hashing.</summary>
    public void HashOnDisk(CancellationToken cancellationToken)
    {
        long frontier;
        lock (_gate)
        {
            if (_hashing)
            {
                return;
            }

            _hashing = true;
            frontier = _frontier;
        }

        HashWhileAtFrontier(frontier, cancellationToken);
    }

    /// <summary>The lower-case hex SHA-256 of the whole file, once every byte of it was added.</summary>
    /// <exception cref="IOException">Some bytes were never added.</exception>
    public string Finish()
    {
        lock (_gate)
        {
            return _frontier == _size && !_hashing
                ? Convert.ToHexStringLower(_hash.GetHashAndReset())
                : throw new IOException($"The download has {_frontier} of {_size} bytes in order.");
        }
    }

    /// <inheritdoc />
    public void Dispose() => _hash.Dispose();

    // Called by the one writer that holds the hash: hashes what waits at the frontier until nothing does.
    private void HashWhileAtFrontier(long frontier, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                Piece piece;
                TaskCompletionSource? moved = null;
                bool more;
                lock (_gate)
                {
                    _frontier = frontier;
                    if (_waiting)
                    {
                        (moved, _frontierMoved, _waiting) = (_frontierMoved, new(TaskCreationOptions.RunContinuationsAsynchronously), false);
                    }

                    more = _ahead.Remove(frontier, out piece);
                    _hashing = more;
                }

                moved?.TrySetResult();
                if (!more)
                {
                    return;
                }

                if (piece.Segment is { } segment)
                {
                    _hash.AppendData(segment, 0, (int)piece.Length);
                    lock (_gate)
                    {
                        _held -= segment.Length;
                        _free.Push(segment);
                    }
                }
                else
                {
                    ReadBack(frontier, piece.Length, cancellationToken);
                }

                frontier += piece.Length;
            }
        }
        catch
        {
            // The download fails with this; Finish then reports the bytes that were not hashed.
            lock (_gate)
            {
                _hashing = false;
            }

            throw;
        }
    }

    private void ReadBack(long offset, long length, CancellationToken cancellationToken)
    {
        _readBack ??= GC.AllocateUninitializedArray<byte>((int)Math.Clamp(_size, 1, ReadBackSize));
        for (var end = offset + length; offset < end;)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var read = RandomAccess.Read(_file, _readBack.AsSpan(0, (int)Math.Min(_readBack.Length, end - offset)), offset);
            if (read == 0)
            {
                throw new IOException($"The downloaded file ended at {offset} of {_size} bytes.");
            }

            _hash.AppendData(_readBack, 0, read);
            offset += read;
            BytesReadBack += read;
        }
    }

    /// <summary>Bytes at an offset: in <see cref="Segment"/>, or in the file when it is null.</summary>
    private readonly record struct Piece(long Length, byte[]? Segment);
}
