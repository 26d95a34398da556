using ModelStore.TorchSharp.IO;

namespace ModelStore.TorchSharp.PyTorch;

/// <summary>
/// The bytes a pickle is read from: a whole buffer (the <c>data.pkl</c> entry of an archive) or a file read on demand
/// from a position (the legacy format, whose pickles are followed by the storages and have no declared length).
/// Only the bytes the pickle uses are read, at most <c>limit</c> of them.
/// </summary>
internal sealed class PickleInput
{
    private const int Chunk = 1 << 16;
    private readonly RandomAccessSource? _source;
    private readonly long _start;
    private readonly long _limit;
    private byte[] _data;
    private int _length;

    private PickleInput(byte[] data, int length, RandomAccessSource? source, long start, long limit)
    {
        _data = data;
        _length = length;
        _source = source;
        _start = start;
        _limit = limit;
    }

    /// <summary>How many bytes have been consumed so far (the offset of the next opcode).</summary>
    public int Position { get; private set; }

    public static PickleInput FromBytes(byte[] data) => new(data, data.Length, null, 0, data.Length);

    public static PickleInput FromSource(RandomAccessSource source, long start, long limit) =>
        new([], 0, source, start, Math.Min(limit, Math.Max(0, source.Length - start)));

    /// <summary>The next <paramref name="count"/> bytes, or false when the input ends first.</summary>
    public bool TryTake(long count, out ReadOnlySpan<byte> bytes)
    {
        if (count < 0 || !Ensure(count))
        {
            bytes = default;
            return false;
        }

        bytes = _data.AsSpan(Position, (int)count);
        Position += (int)count;
        return true;
    }

    /// <summary>Up to <paramref name="count"/> bytes from the current position, without consuming them.</summary>
    public ReadOnlySpan<byte> Peek(int count)
    {
        Ensure(Math.Min(count, _limit - Position));
        return _data.AsSpan(Position, Math.Min(count, _length - Position));
    }

    /// <summary>Consumes <paramref name="count"/> bytes already seen through <see cref="Peek"/>.</summary>
    public void Skip(int count) => Position += count;

    private bool Ensure(long count)
    {
        var needed = Position + count;
        if (needed <= _length)
        {
            return true;
        }

        if (_source is null || needed > _limit)
        {
            return false;
        }

        var target = (int)Math.Min(_limit, Math.Max(needed, Math.Max(_length * 2L, Chunk)));
        if (target > _data.Length)
        {
            Array.Resize(ref _data, target);
        }

        if (!_source.TryReadExactly(_start + _length, _data.AsSpan(_length, target - _length)))
        {
            return false;
        }

        _length = target;
        return true;
    }
}
