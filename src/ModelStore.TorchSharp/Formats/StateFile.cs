using ModelStore.TorchSharp.IO;
using ModelStore.TorchSharp.PyTorch;
using ModelStore.TorchSharp.Safetensors;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelStore.TorchSharp.Formats;

/// <summary>
/// An opened state file (PyTorch state dict or safetensors, told apart by content). Opening reads and
/// validates only the table of contents; tensor bytes are read on demand, straight from the file into
/// tensor memory.
/// </summary>
public sealed class StateFile : IDisposable
{
    private readonly RandomAccessSource _source;
    private readonly Dictionary<string, StateTensorInfo> _byName;

    private StateFile(RandomAccessSource source)
    {
        _source = source;
        try
        {
            Span<byte> prefix = stackalloc byte[StateFormatDetector.PrefixLength];
            var available = (int)Math.Min(prefix.Length, source.Length);
            if (!source.TryReadExactly(0, prefix[..available]))
            {
                throw new StateFormatException(StateFormatError.Truncated, "The state file could not be read from its start.");
            }

            Format = StateFormatDetector.Detect(prefix[..available]);
            if (Format == StateFormat.PyTorch)
            {
                Tensors = PyTorchStateReader.ReadTableOfContents(source);
                Metadata = new Dictionary<string, string>();
            }
            else
            {
                (Tensors, Metadata) = SafetensorsReader.ReadHeader(source);
            }

            _byName = Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    /// <summary>The detected format.</summary>
    public StateFormat Format { get; }

    /// <summary>The tensors, in file order.</summary>
    public IReadOnlyList<StateTensorInfo> Tensors { get; }

    /// <summary>The safetensors <c>__metadata__</c> (empty for PyTorch files).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Opens a state file from disk.</summary>
    /// <exception cref="StateFormatException">The file is not a valid state.</exception>
    public static StateFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.RandomAccess);
        return new StateFile(RandomAccessSource.For(stream, leaveOpen: false));
    }

    /// <summary>Opens a state from a seekable stream (a file, a memory stream).</summary>
    /// <exception cref="ArgumentException">The stream cannot seek; use <see cref="OpenAsync"/>.</exception>
    /// <exception cref="StateFormatException">The bytes are not a valid state.</exception>
    public static StateFile Open(Stream stream, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanSeek || !stream.CanRead)
        {
            throw new ArgumentException("A state file is read at random positions: the stream must be readable and seekable.", nameof(stream));
        }

        return new StateFile(RandomAccessSource.For(stream, leaveOpen));
    }

    /// <summary>
    /// Opens a state from any stream. A stream that cannot seek (a network download) is first copied to
    /// a temporary file that is deleted when the <see cref="StateFile"/> is disposed.
    /// </summary>
    public static async Task<StateFile> OpenAsync(Stream stream, bool leaveOpen = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (stream.CanSeek)
        {
            return Open(stream, leaveOpen);
        }

        var path = Path.Combine(Path.GetTempPath(), $"modelstore-state-{Guid.NewGuid():N}.tmp");
        var spool = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        try
        {
            await stream.CopyToAsync(spool, 1 << 20, cancellationToken).ConfigureAwait(false);
            await spool.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (!leaveOpen)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }

            return new StateFile(RandomAccessSource.For(spool, leaveOpen: false));
        }
        catch
        {
            await spool.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The tensor named <paramref name="name"/>, or null.</summary>
    public StateTensorInfo? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>Reads one tensor into a new contiguous CPU tensor.</summary>
    public Tensor ReadTensor(string name) =>
        ReadTensor(Find(name) ?? throw new KeyNotFoundException($"The state has no tensor '{name}'."));

    /// <summary>Reads one tensor into a new contiguous CPU tensor.</summary>
    public Tensor ReadTensor(StateTensorInfo tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.IsContiguous)
        {
            var result = empty([.. tensor.Shape], tensor.DType);
            try
            {
                ReadContiguous(tensor, result);
                return result;
            }
            catch
            {
                result.Dispose();
                throw;
            }
        }

        // A strided view of a larger storage: read the storage once, then take the view.
        using var storage = empty(tensor.Storage.ElementCount, tensor.DType);
        ReadBytes(tensor.Storage.FileOffset, storage, tensor.Storage.ByteLength, tensor.Name);
        using var view = storage.as_strided([.. tensor.Shape], [.. tensor.Strides], tensor.StorageOffset);
        return view.contiguous();
    }

    /// <summary>Reads every tensor into new CPU tensors, by name, in file order.</summary>
    public Dictionary<string, Tensor> ReadAll()
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var tensor in Tensors)
            {
                result[tensor.Name] = ReadTensor(tensor);
            }

            return result;
        }
        catch
        {
            foreach (var tensor in result.Values)
            {
                tensor.Dispose();
            }

            throw;
        }
    }

    /// <summary>
    /// Fills <paramref name="destination"/> (same shape, a contiguous CPU tensor) with the tensor's values:
    /// straight from the file into its memory when the types match, else through a converting copy.
    /// </summary>
    internal void CopyInto(StateTensorInfo tensor, Tensor destination)
    {
        if (tensor.IsContiguous && destination.dtype == tensor.DType && destination.device_type == DeviceType.CPU && destination.is_contiguous())
        {
            ReadContiguous(tensor, destination);
            return;
        }

        using var source = ReadTensor(tensor);
        using (no_grad())
        {
            destination.copy_(source);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _source.Dispose();

    private void ReadContiguous(StateTensorInfo tensor, Tensor destination)
    {
        var elementSize = DTypes.ElementSize(tensor.DType);
        ReadBytes(tensor.Storage.FileOffset + (tensor.StorageOffset * elementSize), destination, tensor.ElementCount * elementSize, tensor.Name);
    }

    private void ReadBytes(long offset, Tensor destination, long length, string name)
    {
        if (length == 0)
        {
            return;
        }

        if (!_source.TryReadExactly(offset, TensorMemory.DataPointer(destination), length))
        {
            throw new StateFormatException(StateFormatError.Truncated, $"The bytes of tensor '{name}' are cut short: the file ended while reading them.");
        }
    }
}
