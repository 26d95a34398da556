using Microsoft.Win32.SafeHandles;

namespace ModelStore.TorchSharp.IO;

/// <summary>Positioned reads over a file handle or a seekable stream, so tensors are read straight into their memory.</summary>
internal abstract class RandomAccessSource : IDisposable
{
    public abstract long Length { get; }

    /// <summary>Reads exactly <paramref name="destination"/>.Length bytes at <paramref name="offset"/>; false when the source ends first.</summary>
    public abstract bool TryReadExactly(long offset, Span<byte> destination);

    /// <summary>Reads <paramref name="length"/> bytes at <paramref name="offset"/> into unmanaged memory, in chunks a span can hold.</summary>
    public unsafe bool TryReadExactly(long offset, IntPtr destination, long length)
    {
        const int Chunk = 1 << 30;
        var done = 0L;
        while (done < length)
        {
            var size = (int)Math.Min(Chunk, length - done);
            if (!TryReadExactly(offset + done, new Span<byte>((byte*)destination + done, size)))
            {
                return false;
            }

            done += size;
        }

        return true;
    }

    public abstract void Dispose();

    public static RandomAccessSource For(Stream stream, bool leaveOpen) =>
        stream is FileStream file && !leaveOpen
            ? new FileSource(file.SafeFileHandle, file)
            : stream is FileStream shared
                ? new FileSource(shared.SafeFileHandle, null)
                : new StreamSource(stream, leaveOpen);

    private sealed class FileSource(SafeFileHandle handle, IDisposable? owner) : RandomAccessSource
    {
        public override long Length { get; } = RandomAccess.GetLength(handle);

        public override bool TryReadExactly(long offset, Span<byte> destination)
        {
            while (!destination.IsEmpty)
            {
                var read = RandomAccess.Read(handle, destination, offset);
                if (read <= 0)
                {
                    return false;
                }

                destination = destination[read..];
                offset += read;
            }

            return true;
        }

        public override void Dispose() => owner?.Dispose();
    }

    private sealed class StreamSource(Stream stream, bool leaveOpen) : RandomAccessSource
    {
#if NET9_0_OR_GREATER
        private readonly Lock _gate = new();
#else
        private readonly object _gate = new();
#endif

        public override long Length => stream.Length;

        public override bool TryReadExactly(long offset, Span<byte> destination)
        {
            lock (_gate)
            {
                stream.Position = offset;
                return stream.ReadAtLeast(destination, destination.Length, throwOnEndOfStream: false) == destination.Length;
            }
        }

        public override void Dispose()
        {
            if (!leaveOpen)
            {
                stream.Dispose();
            }
        }
    }
}
