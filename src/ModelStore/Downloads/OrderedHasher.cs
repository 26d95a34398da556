using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace ModelStore.Downloads;

/// <summary>
/// The SHA-256 of a file that several writers fill chunk by chunk, out of order. SHA-256 takes bytes in order only: the
/// hash has reached some offset (the frontier). Writers hand over each segment once it is in the file; a hashing loop of
/// its own (one at a time, on the thread pool) takes the segments in order from memory, so the file is never read back.
/// Only what got ahead beyond the budget, and what an earlier process wrote before a resume, is read back from the file
/// (from the page cache, usually), once, when the frontier reaches it.
/// </summary>
/// <remarks>
/// The loop hashes while the writers go on reading their connections: before it, the writer whose segment reached the
/// frontier hashed it and everything held behind it, and read nothing from its own connection meanwhile, so a pull used
/// about one core of two (docs/downloads.md). A writer waits for room (<see cref="WaitForRoomAsync"/>) before it reads
/// its next segment when the budget is full, so its bytes stay in the socket rather than going to the file to be read
/// back: chunks that start together at the same speed fill the budget just as the one at the frontier ends, and without
/// the wait any jitter sent half of a 1 GiB download through a read-back (strace: 550-900 MiB of pread64). The segments
/// that continue the run the loop is hashing may go a little over the budget (<see cref="RunAllowance"/>), so that the
/// writer at the frontier keeps reading while the loop hashes what it wrote. The wait is bounded: a chunk whose server
/// is much slower than the others' only costs the others a read-back, never a stalled download.
/// Writers take segment buffers from <see cref="Rent"/> and hand every one back through <see cref="Add"/> (after writing
/// it to the file) or <see cref="Return"/>. Each chunk is written from its start (or its resume point) onwards without
/// gaps, which a retry that continues where its chunk stopped keeps true. <see cref="WhenHashedAsync"/> (or
/// <see cref="Finish"/>, which waits too) tells when the loop has taken everything it can.
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

    /// <summary>
    /// How far over the budget the segments that continue the run the loop is hashing may go (2 MiB): the writer at the
    /// frontier reads on while its earlier segments are hashed, also with a budget of 0 (a download of one stream).
    /// </summary>
    public const long RunAllowance = 8L * SegmentSize;

    private readonly object _gate = new();
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly SafeFileHandle _file;
    private readonly long _size;
    private readonly long _budget;
    private readonly int _segmentSize;

    // Segments (and file ranges) that arrived ahead of the frontier, by the offset they start at.
    private readonly Dictionary<long, Piece> _ahead = [];
    private readonly Stack<byte[]> _free = new();
    private readonly CancellationTokenSource _stop = new();
    private long _frontier;

    // The end of the run of pieces present from the frontier on: what the loop can hash without waiting for a writer.
    private long _runEnd;
    private long _held;
    private bool _hashing;
    private Exception? _failure;
    private byte[]? _readBack;

    // Completed (and replaced) when a hashing loop ends; what WhenHashedAsync returns while one runs.
    private TaskCompletionSource _idle = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Completed (and replaced) when the frontier moves while a writer waits in WaitForRoomAsync: it looks again.
    private TaskCompletionSource _frontierMoved = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _waiting;

    // A frontier that did not move during a whole wait: until it moves, nobody waits for it again.
    private long _stalledFrontier = -1;

    /// <summary>Starts at offset 0 of <paramref name="file"/>, of <paramref name="size"/> bytes.</summary>
    /// <param name="file">The file the writers write to (read back only for bytes not kept in memory).</param>
    /// <param name="size">The file's final size.</param>
    /// <param name="budget">The most bytes kept in memory for the hash (beyond <see cref="RunAllowance"/> for the run it is on); beyond it, segments are read back later.</param>
    public OrderedHasher(SafeFileHandle file, long size, long budget)
    {
        _file = file;
        _size = size;
        _budget = budget;
        _segmentSize = (int)Math.Clamp(size, 1, SegmentSize);
    }

    /// <summary>How many bytes were hashed by reading them back from the file rather than from a writer's segment.</summary>
    public long BytesReadBack { get; private set; }

    /// <summary>The most bytes kept in memory for the hash at one time.</summary>
    public long PeakHeld { get; private set; }

    /// <summary>Whether bytes already on disk (<see cref="AddOnDisk"/>) wait at the frontier for the loop (<see cref="Start"/>).</summary>
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
                ExtendRun(offset);
            }
        }
    }

    /// <summary>Starts the hashing loop on what waits at the frontier (bytes an earlier process left on disk), if anything does.</summary>
    public void Start()
    {
        lock (_gate)
        {
            StartLoopIfReady();
        }
    }

    /// <summary>
    /// Waits until a segment written at <paramref name="offset"/> would be kept in memory: it is at the frontier, the
    /// budget has room for it, or it continues the run the loop is hashing within <see cref="RunAllowance"/>. Completes at
    /// once in the common case; waits at most <paramref name="maxWait"/> (see <see cref="MaxRoomWait"/>) for a frontier
    /// that does not move, and then not again until it does.
    /// </summary>
    public async ValueTask WaitForRoomAsync(long offset, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        var deadline = 0L;
        while (true)
        {
            Task moved;
            lock (_gate)
            {
                if (HasRoom(offset) || _frontier == _stalledFrontier || _failure is not null)
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
    /// and the segment with them: the caller must not use it any more. The loop hashes them (from the segment while the
    /// memory allows, else from the file) once the frontier reaches them; this returns at once.
    /// </summary>
    public void Add(long offset, byte[] segment, int count)
    {
        lock (_gate)
        {
            if (_failure is null && HasRoom(offset, segment.Length))
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

            ExtendRun(offset);
            StartLoopIfReady();
        }
    }

    /// <summary>Completes when the loop has hashed everything that waited at the frontier (at once when it is not running).</summary>
    public async Task WhenHashedAsync()
    {
        while (true)
        {
            Task running;
            lock (_gate)
            {
                if (!_hashing)
                {
                    return;
                }

                running = _idle.Task;
            }

            await running.ConfigureAwait(false);
        }
    }

    /// <summary>Stops the loop after the piece it is on (a failed download); <see cref="WhenHashedAsync"/> then completes.</summary>
    public void Stop() => _stop.Cancel();

    /// <summary>The lower-case hex SHA-256 of the whole file, once every byte of it was added.</summary>
    /// <exception cref="IOException">Some bytes were never added.</exception>
    public string Finish()
    {
        lock (_gate)
        {
            while (_hashing)
            {
                Monitor.Wait(_gate);
            }

            if (_failure is not null)
            {
                throw new IOException($"The download's hash stopped at {_frontier} of {_size} bytes: {_failure.Message}", _failure);
            }

            return _frontier == _size
                ? Convert.ToHexStringLower(_hash.GetHashAndReset())
                : throw new IOException($"The download has {_frontier} of {_size} bytes in order.");
        }
    }

    /// <summary>Stops the loop, waits for it, and releases the hash.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        lock (_gate)
        {
            while (_hashing)
            {
                Monitor.Wait(_gate);
            }
        }

        _hash.Dispose();
        _stop.Dispose();
    }

    // Whether a segment at offset may be kept in memory (and its writer read on): at the frontier, within the budget, or
    // continuing the run the loop hashes within the allowance. Called under the gate.
    private bool HasRoom(long offset, long length = -1)
    {
        length = length < 0 ? _segmentSize : length;
        return offset == _frontier || _held + length <= _budget || (offset == _runEnd && _held + length <= _budget + RunAllowance);
    }

    // A piece now at offset: when it continues the run, the run takes it and whatever already follows it. Under the gate.
    private void ExtendRun(long offset)
    {
        if (offset != _runEnd)
        {
            return;
        }

        while (_ahead.TryGetValue(_runEnd, out var piece))
        {
            _runEnd += piece.Length;
        }
    }

    // Starts the loop on the pool when something waits at the frontier and no loop runs. Under the gate.
    private void StartLoopIfReady()
    {
        if (_hashing || _failure is not null || !_ahead.ContainsKey(_frontier) || _stop.IsCancellationRequested)
        {
            return;
        }

        _hashing = true;
        _idle = new(TaskCreationOptions.RunContinuationsAsynchronously);
        ThreadPool.UnsafeQueueUserWorkItem(static hasher => hasher.HashWhileAtFrontier(), this, preferLocal: false);
    }

    // The hashing loop (one at a time: the one that set _hashing): hashes what waits at the frontier until nothing does.
    private void HashWhileAtFrontier()
    {
        var cancellationToken = _stop.Token;
        TaskCompletionSource? moved = null;
        TaskCompletionSource idle;
        long frontier;
        lock (_gate)
        {
            frontier = _frontier;
            idle = _idle;
        }

        try
        {
            while (true)
            {
                Piece piece;
                lock (_gate)
                {
                    _frontier = frontier;
                    if (_waiting)
                    {
                        (moved, _frontierMoved, _waiting) = (_frontierMoved, new(TaskCreationOptions.RunContinuationsAsynchronously), false);
                    }

                    if (cancellationToken.IsCancellationRequested || !_ahead.Remove(frontier, out piece))
                    {
                        // Ends under the gate, so a segment added at the frontier from now on starts a new loop.
                        _hashing = false;
                        Monitor.PulseAll(_gate);
                        break;
                    }
                }

                moved?.TrySetResult();
                moved = null;
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
        catch (Exception e)
        {
            // The download fails with this (Finish reports it); writers waiting for room are let go.
            lock (_gate)
            {
                _failure ??= e;
                _hashing = false;
                (moved, _frontierMoved, _waiting) = (_frontierMoved, new(TaskCreationOptions.RunContinuationsAsynchronously), false);
                Monitor.PulseAll(_gate);
            }
        }

        moved?.TrySetResult();
        idle.TrySetResult();
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
