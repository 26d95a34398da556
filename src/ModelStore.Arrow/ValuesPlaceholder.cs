using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ModelStore.Arrow;

/// <summary>
/// Stands in for the one contiguous buffer of all array values while Apache.Arrow writes a row, so the weights
/// are never copied into it: the placeholder is zeroed native memory (pages the system maps lazily, so it costs
/// no resident memory), and when the writer hands that region to the output stream,
/// <see cref="PositionTrackingStream"/> writes the arrays' own bytes in its place.
/// </summary>
internal sealed class ValuesPlaceholder : MemoryManager<byte>
{
    private readonly ModelWeights _weights;
    private readonly long[] _arrayStarts;
    private nint _start;

    public ValuesPlaceholder(ModelWeights weights, int length)
    {
        _weights = weights;
        _arrayStarts = new long[weights.Count + 1];
        for (var i = 0; i < weights.Count; i++)
        {
            _arrayStarts[i + 1] = _arrayStarts[i] + weights[i].AsBytes().Length;
        }

        Length = length;
        unsafe
        {
            _start = (nint)NativeMemory.AllocZeroed((nuint)Math.Max(length, 1));
        }
    }

    /// <summary>The size of the values buffer in bytes.</summary>
    public int Length { get; }

    /// <summary>How many bytes of real values were written in place of the placeholder.</summary>
    public long Substituted { get; private set; }

    public override unsafe Span<byte> GetSpan() => new((void*)_start, Length);

    public override unsafe MemoryHandle Pin(int elementIndex = 0) => new((byte*)_start + elementIndex);

    public override void Unpin()
    {
    }

    /// <summary>Whether <paramref name="span"/> is (part of) the placeholder; if so, its offset in it.</summary>
    /// <exception cref="InvalidOperationException">When the span straddles the placeholder's bounds.</exception>
    public unsafe bool TryLocate(ReadOnlySpan<byte> span, out int offset)
    {
        offset = 0;
        if (span.IsEmpty)
        {
            return false;
        }

        var start = (byte*)_start;
        var first = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(span));
        var inside = first >= start && first < start + Length;
        var endInside = first + span.Length > start && first + span.Length <= start + Length;
        if (inside != endInside)
        {
            throw new InvalidOperationException("The Arrow writer wrote the weight values together with other bytes; the row cannot be streamed.");
        }

        offset = inside ? (int)(first - start) : 0;
        return inside;
    }

    /// <summary>Writes the real values of placeholder bytes [offset, offset + count).</summary>
    public void WriteTo(Stream destination, int offset, int count)
    {
        foreach (var (array, start, length) in Pieces(offset, count))
        {
            destination.Write(_weights[array].AsBytes().Slice(start, length));
        }

        Substituted += count;
    }

    /// <summary>Writes the real values of placeholder bytes [offset, offset + count), in chunks through a pooled buffer.</summary>
    public async ValueTask WriteToAsync(Stream destination, int offset, int count, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            foreach (var (array, start, length) in Pieces(offset, count))
            {
                for (var done = 0; done < length;)
                {
                    var chunk = Math.Min(buffer.Length, length - done);
                    _weights[array].AsBytes().Slice(start + done, chunk).CopyTo(buffer);
                    await destination.WriteAsync(buffer.AsMemory(0, chunk), cancellationToken).ConfigureAwait(false);
                    done += chunk;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        Substituted += count;
    }

    protected override unsafe void Dispose(bool disposing)
    {
        if (_start != 0)
        {
            NativeMemory.Free((void*)_start);
            _start = 0;
        }
    }

    /// <summary>The (array, byte start, byte length) pieces that placeholder bytes [offset, offset + count) cover.</summary>
    private List<(int Array, int Start, int Length)> Pieces(int offset, int count)
    {
        var pieces = new List<(int, int, int)>();
        var position = (long)offset;
        var end = (long)offset + count;
        var array = Array.BinarySearch(_arrayStarts, position);
        array = array >= 0 ? array : ~array - 1;
        for (; position < end && array < _weights.Count; array++)
        {
            var start = (int)(position - _arrayStarts[array]);
            var length = (int)Math.Min(end, _arrayStarts[array + 1]) - (int)position;
            if (length > 0)
            {
                pieces.Add((array, start, length));
                position += length;
            }
        }

        return pieces;
    }
}
