using System.Buffers;
using System.Runtime.InteropServices;

namespace ModelStore.Arrow;

/// <summary>A <see cref="Memory{T}"/> of <typeparamref name="T"/> values over a region of a byte array, without copying.</summary>
internal sealed class ByteMemoryManager<T>(byte[] array, int byteOffset, int length) : MemoryManager<T>
    where T : unmanaged
{
    public override Span<T> GetSpan() => MemoryMarshal.Cast<byte, T>(array.AsSpan(byteOffset, length * Marshal.SizeOf<T>()));

    public override unsafe MemoryHandle Pin(int elementIndex = 0)
    {
        // The handle is freed when the caller disposes the MemoryHandle.
        var handle = GCHandle.Alloc(array, GCHandleType.Pinned);
        var start = (byte*)handle.AddrOfPinnedObject() + byteOffset + (elementIndex * sizeof(T));
        return new MemoryHandle(start, handle);
    }

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
    }
}
