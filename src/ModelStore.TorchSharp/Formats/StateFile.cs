using ModelStore.TorchSharp.IO;
using ModelStore.TorchSharp.PyTorch;
using ModelStore.TorchSharp.Safetensors;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelStore.TorchSharp.Formats;

/// <summary>
/// An opened state file (a PyTorch state dict, zip or legacy, or safetensors, told apart by content). Opening reads and
/// validates only the table of contents; tensor bytes are read on demand, straight from the file into tensor memory.
/// A PyTorch file may hold more than a state dict (a training checkpoint: the weights beside the optimizer, the epoch,
/// the metrics); the state dict is found inside it (<see cref="StateDictPath"/>) and the rest is in <see cref="Entries"/>.
/// Sharded weights open as one state through their index (<c>model.safetensors.index.json</c>,
/// <c>pytorch_model.bin.index.json</c>): every shard's table of contents is read, tensors are read from their shard.
/// </summary>
public sealed class StateFile : IDisposable
{
    private readonly RandomAccessSource? _source;
    private readonly Dictionary<string, StateTensorInfo> _byName;
    private readonly StateFile[] _shards = [];
    private readonly Dictionary<StateTensorInfo, StateFile>? _shardOf;

    private StateFile(RandomAccessSource source, string? stateDictPath)
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

            if (ShardIndex.LooksLikeIndex(prefix[..available]))
            {
                throw new StateFormatException(StateFormatError.UnsupportedFeature, "The bytes are a JSON document (a shard index?): a shard index names files beside it, so open it by its path.");
            }

            Format = StateFormatDetector.Detect(prefix[..available]);
            Metadata = new Dictionary<string, string>();
            Entries = new Dictionary<string, object?>();
            if (Format == StateFormat.Safetensors)
            {
                (Tensors, Metadata) = SafetensorsReader.ReadHeader(source);
                if (!string.IsNullOrEmpty(stateDictPath))
                {
                    // safetensors files are flat: a path selects the names under it, as in a flat state dict.
                    var prefixText = stateDictPath + ".";
                    Tensors = [.. Tensors.Where(t => t.Name.StartsWith(prefixText, StringComparison.Ordinal)).Select(t => t.WithName(t.Name[prefixText.Length..]))];
                    StateDictPath = Tensors.Count > 0
                        ? stateDictPath
                        : throw new StateFormatException(StateFormatError.StateDictNotFound, $"StateDictPath '{stateDictPath}': the safetensors file has no tensor whose name starts with '{prefixText}'.");
                }
            }
            else
            {
                var pickled = Format == StateFormat.PyTorch ? PyTorchStateReader.Read(source) : LegacyStateReader.Read(source);
                var located = StateDictLocator.Locate(pickled, stateDictPath);
                (Tensors, StateDictPath, Entries) = (located.Tensors, located.StateDictPath, located.Entries);
            }

            _byName = Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    private StateFile(ShardIndex index, string? stateDictPath)
    {
        var shards = new List<StateFile>();
        try
        {
            var wanted = index.WeightMap.ToLookup(entry => entry.File, entry => entry.Name, StringComparer.Ordinal);
            var tensors = new List<StateTensorInfo>();
            _shardOf = new Dictionary<StateTensorInfo, StateFile>(ReferenceEqualityComparer.Instance);
            var prefixText = string.IsNullOrEmpty(stateDictPath) ? null : stateDictPath + ".";
            foreach (var path in index.Shards)
            {
                var shard = OpenFile(path, stateDictPath: null);
                shards.Add(shard);
                if (shards.Count > 1 && shard.Format != shards[0].Format)
                {
                    throw new StateFormatException(StateFormatError.UnsupportedFeature, $"The shard index mixes formats: '{Path.GetFileName(path)}' is {shard.Format}, the first shard {shards[0].Format}.");
                }

                foreach (var name in wanted[path])
                {
                    var tensor = shard.Find(name)
                        ?? throw new StateFormatException(StateFormatError.Corrupt, $"The shard index puts tensor '{name}' in '{Path.GetFileName(path)}', which has no such tensor.");
                    if (prefixText is not null)
                    {
                        if (!name.StartsWith(prefixText, StringComparison.Ordinal))
                        {
                            continue;
                        }

                        tensor = tensor.WithName(name[prefixText.Length..]);
                    }

                    tensors.Add(tensor);
                    _shardOf[tensor] = shard;
                }
            }

            if (prefixText is not null && tensors.Count == 0)
            {
                throw new StateFormatException(StateFormatError.StateDictNotFound, $"StateDictPath '{stateDictPath}': the shard index lists no tensor whose name starts with '{prefixText}'.");
            }

            _shards = [.. shards];
            Format = shards[0].Format;
            Tensors = tensors;
            Metadata = index.Metadata;
            Entries = new Dictionary<string, object?>();
            StateDictPath = prefixText is null ? null : stateDictPath;
            _byName = Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        }
        catch
        {
            foreach (var shard in shards)
            {
                shard.Dispose();
            }

            throw;
        }
    }

    /// <summary>
    /// The keys a training checkpoint is searched for, in this order, when no state-dict path is given and the file's
    /// root is not itself a dict of tensors: <c>state_dict</c>, <c>model_state_dict</c>, <c>model</c>, <c>module</c>,
    /// <c>net</c>, <c>network</c>, <c>params</c>, <c>weights</c>, then the moving averages <c>ema</c>, <c>model_ema</c>,
    /// <c>state_dict_ema</c> (so the trained weights win over their EMA). A key whose value is a dict without tensors is
    /// searched the same way, up to three levels down.
    /// </summary>
    public static IReadOnlyList<string> ConventionalStateDictKeys => StateDictLocator.ConventionalKeys;

    /// <summary>The detected format.</summary>
    public StateFormat Format { get; }

    /// <summary>The tensors of the state dict, in file order.</summary>
    public IReadOnlyList<StateTensorInfo> Tensors { get; }

    /// <summary>The full paths of the shard files when the state was opened through a shard index; empty for a single file.</summary>
    public IReadOnlyList<string> Shards => [.. _shards.Select(shard => shard.ShardPath!)];

    /// <summary>The safetensors <c>__metadata__</c> (empty for PyTorch files), or the shard index's <c>metadata</c> (values that are not strings as their JSON text, e.g. <c>total_size</c>).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>
    /// Where the state dict was found: the path given when opening, the conventional key found (for example
    /// <c>model</c> or <c>state_dict</c>), or <see langword="null"/> when the file's root is the state dict.
    /// </summary>
    public string? StateDictPath { get; }

    /// <summary>
    /// The file's other top-level entries, when the state dict sits inside a checkpoint (<c>epoch</c>, <c>metrics</c>,
    /// <c>optimizer</c>, ...), read as plain data and never executed: <see cref="long"/>, <see cref="double"/>,
    /// <see cref="string"/>, <see cref="bool"/>, <see langword="null"/> (None), <see cref="System.Numerics.BigInteger"/>,
    /// <see cref="IReadOnlyList{T}"/> of <see cref="object"/> (lists and tuples), <see cref="IReadOnlyDictionary{TKey, TValue}"/>
    /// of <see cref="object"/> keys (dicts, keys as read: strings, longs, ...), and <see cref="StateTensorInfo"/> for
    /// tensors (named by their path, for example <c>optimizer.state.0.exp_avg</c>), which <see cref="ReadTensor(StateTensorInfo)"/> reads.
    /// Harmless Python types become .NET values, read from the bytes alone: <c>torch.Size</c> a <see cref="long"/>[],
    /// <c>set</c>/<c>frozenset</c> an <see cref="IReadOnlySet{T}"/>, <c>bytes</c>/<c>bytearray</c> a <see cref="byte"/>[],
    /// a dtype such as <c>torch.float16</c> a <see cref="ScalarType"/>, a NumPy scalar the .NET number of its dtype and
    /// a NumPy array a .NET array of its shape. An object of any other class is a <see cref="PickledObject"/> naming the
    /// class, which is never imported or called.
    /// Empty for a bare state dict and for safetensors.
    /// </summary>
    public IReadOnlyDictionary<string, object?> Entries { get; }

    /// <summary>Opens a state file from disk: a single file, or a shard index (<c>*.index.json</c>) and the shards it names.</summary>
    /// <exception cref="StateFormatException">
    /// The file is not a valid state; for an index, also a shard path that is absolute, has a <c>..</c> part or leads
    /// outside the index's folder through a symbolic link (<see cref="StateFormatError.UnsafePath"/>), or a missing shard
    /// (<see cref="StateFormatError.Truncated"/>).
    /// </exception>
    public static StateFile Open(string path) => Open(path, stateDictPath: null);

    /// <summary>Opens a state file from disk, taking the state dict at <paramref name="stateDictPath"/> (see <see cref="StateDictPath"/>).</summary>
    /// <param name="path">The file.</param>
    /// <param name="stateDictPath">
    /// Where the state dict is inside the file: a key of the root dict (<c>model</c>, <c>state_dict</c>), a dotted path
    /// through nested dicts (<c>checkpoint.model</c>), continuing as a name prefix inside a flat state dict
    /// (<c>model.encoder</c> takes <c>encoder.*</c> of <c>model</c>, without the prefix); <see langword="null"/> to find it.
    /// </param>
    /// <exception cref="StateFormatException">The file is not a valid state, or holds no state dict there (<see cref="StateFormatError.StateDictNotFound"/>); see <see cref="Open(string)"/> for shard indexes.</exception>
    public static StateFile Open(string path, string? stateDictPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Span<byte> prefix = stackalloc byte[StateFormatDetector.PrefixLength];
        int read;
        using (var probe = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1))
        {
            read = probe.ReadAtLeast(prefix, prefix.Length, throwOnEndOfStream: false);
        }

        return ShardIndex.LooksLikeIndex(prefix[..read])
            ? new StateFile(ShardIndex.Read(path), stateDictPath)
            : OpenFile(path, stateDictPath);
    }

    private string? ShardPath { get; init; }

    private static StateFile OpenFile(string path, string? stateDictPath)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.RandomAccess);
        return new StateFile(RandomAccessSource.For(stream, leaveOpen: false), stateDictPath) { ShardPath = path };
    }

    /// <summary>Opens a state from a seekable stream (a file, a memory stream).</summary>
    /// <exception cref="ArgumentException">The stream cannot seek; use <see cref="OpenAsync(Stream, bool, CancellationToken)"/>.</exception>
    /// <exception cref="StateFormatException">The bytes are not a valid state.</exception>
    public static StateFile Open(Stream stream, bool leaveOpen = false) => Open(stream, stateDictPath: null, leaveOpen);

    /// <summary>Opens a state from a seekable stream, taking the state dict at <paramref name="stateDictPath"/> (see <see cref="Open(string, string)"/>).</summary>
    /// <exception cref="ArgumentException">The stream cannot seek; use <see cref="OpenAsync(Stream, string, bool, CancellationToken)"/>.</exception>
    /// <exception cref="StateFormatException">The bytes are not a valid state, or hold no state dict there.</exception>
    public static StateFile Open(Stream stream, string? stateDictPath, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanSeek || !stream.CanRead)
        {
            throw new ArgumentException("A state file is read at random positions: the stream must be readable and seekable.", nameof(stream));
        }

        return new StateFile(RandomAccessSource.For(stream, leaveOpen), stateDictPath);
    }

    /// <summary>
    /// Opens a state from any stream. A stream that cannot seek (a network download) is first copied to
    /// a temporary file that is deleted when the <see cref="StateFile"/> is disposed.
    /// </summary>
    public static Task<StateFile> OpenAsync(Stream stream, bool leaveOpen = false, CancellationToken cancellationToken = default) =>
        OpenAsync(stream, stateDictPath: null, leaveOpen, cancellationToken);

    /// <summary>
    /// Opens a state from any stream, taking the state dict at <paramref name="stateDictPath"/> (see <see cref="Open(string, string)"/>).
    /// A stream that cannot seek is first copied to a temporary file deleted when the <see cref="StateFile"/> is disposed.
    /// </summary>
    public static async Task<StateFile> OpenAsync(Stream stream, string? stateDictPath, bool leaveOpen = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (stream.CanSeek)
        {
            return Open(stream, stateDictPath, leaveOpen);
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

            return new StateFile(RandomAccessSource.For(spool, leaveOpen: false), stateDictPath);
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
        if (_shardOf is not null)
        {
            return ShardOf(tensor).ReadTensor(tensor);
        }

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
        if (_shardOf is not null)
        {
            ShardOf(tensor).CopyInto(tensor, destination);
            return;
        }

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
    public void Dispose()
    {
        _source?.Dispose();
        foreach (var shard in _shards)
        {
            shard.Dispose();
        }
    }

    private StateFile ShardOf(StateTensorInfo tensor) =>
        _shardOf!.TryGetValue(tensor, out var shard) ? shard : throw new ArgumentException($"Tensor '{tensor.Name}' is not one of this state's.", nameof(tensor));

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

        if (!_source!.TryReadExactly(offset, TensorMemory.DataPointer(destination), length))
        {
            throw new StateFormatException(StateFormatError.Truncated, $"The bytes of tensor '{name}' are cut short: the file ended while reading them.");
        }
    }
}
