using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelStore.TorchSharp.IO;

/// <summary>Raw access to a CPU tensor's elements, so file bytes land in tensor memory without an intermediate buffer.</summary>
internal static partial class TensorMemory
{
    [LibraryImport("LibTorchSharp")]
    private static partial IntPtr THSTensor_data(IntPtr handle);

    /// <summary>The address of the first element of a dense CPU tensor.</summary>
    public static IntPtr DataPointer(Tensor tensor)
    {
        if (tensor.device_type != DeviceType.CPU)
        {
            throw new InvalidOperationException("Tensor memory is only addressable on the CPU.");
        }

        if (!tensor.is_contiguous())
        {
            throw new InvalidOperationException("Only contiguous tensors have one run of memory.");
        }

        var pointer = THSTensor_data(tensor.Handle);
        if (pointer == IntPtr.Zero && tensor.NumberOfElements > 0)
        {
            throw new InvalidOperationException("TorchSharp returned no data pointer for a non-empty tensor.");
        }

        return pointer;
    }

    /// <summary>The tensor's bytes as spans of at most 1 GiB each, in order.</summary>
    public static unsafe void ForEachChunk(Tensor tensor, Action<ReadOnlyMemory<byte>> action)
    {
        var length = tensor.NumberOfElements * tensor.ElementSize;
        if (length == 0)
        {
            return;
        }

        var pointer = (byte*)DataPointer(tensor);
        const int Chunk = 1 << 30;
        for (var done = 0L; done < length; done += Chunk)
        {
            var size = (int)Math.Min(Chunk, length - done);
            using var manager = new UnmanagedMemoryManager(pointer + done, size);
            action(manager.Memory);
        }
    }

    private sealed unsafe class UnmanagedMemoryManager(byte* pointer, int length) : System.Buffers.MemoryManager<byte>
    {
        public override Span<byte> GetSpan() => new(pointer, length);

        public override System.Buffers.MemoryHandle Pin(int elementIndex = 0) => new(pointer + elementIndex);

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
        }
    }
}
