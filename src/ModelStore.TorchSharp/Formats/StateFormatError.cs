namespace ModelStore.TorchSharp.Formats;

/// <summary>Why a state file was refused. Carried by every <see cref="StateFormatException"/>.</summary>
public enum StateFormatError
{
    /// <summary>The bytes are neither a PyTorch state dict (zip or legacy) nor safetensors, nor a known foreign format.</summary>
    UnknownFormat = 1,

    /// <summary>The file ends before the structure it declares (a truncated download, a cut archive).</summary>
    Truncated = 2,

    /// <summary>The structure is malformed: bad offsets, overlapping ranges, invalid header or pickle structure.</summary>
    Corrupt = 3,

    /// <summary>
    /// The state dict holds a value built from a Python callable or class outside its allow-list (for example <c>os.system</c>),
    /// or the file's root is one. Nothing is executed; outside the state dict such values are read as <see cref="PickledObject"/>s.
    /// </summary>
    ForbiddenGlobal = 4,

    /// <summary>The pickle uses an opcode a state dict does not need.</summary>
    UnsupportedPickle = 5,

    /// <summary>A tensor has a data type this reader does not handle.</summary>
    UnsupportedDType = 6,

    /// <summary>A declared size does not match the data: a storage or tensor larger than the bytes present.</summary>
    SizeMismatch = 7,

    /// <summary>A valid file that uses a feature outside state dicts (compressed entries, big-endian data, non-tensor values where tensors are needed).</summary>
    UnsupportedFeature = 8,

    /// <summary>A known format that is not a state (TorchScript, a pickled module, NumPy, ONNX, Keras/HDF5, GGUF); <see cref="StateFormatException.ForeignFormat"/> names it.</summary>
    ForeignFormat = 9,

    /// <summary>The file is valid but holds no state dict where one was looked for: the <c>StateDictPath</c> names no entry, or names one that is not a dict of tensors, or no conventional key holds one.</summary>
    StateDictNotFound = 10,

    /// <summary>A shard index names a shard outside its folder: an absolute path, a <c>..</c> part, or a symbolic link that leads out.</summary>
    UnsafePath = 11,

    /// <summary>The file holds a quantized tensor (<c>torch.quantize_per_tensor</c>, <c>quantize_dynamic</c>); call <c>.dequantize()</c> in PyTorch before saving.</summary>
    QuantizedTensor = 12,

    /// <summary>The file holds a sparse tensor (COO or CSR); call <c>.to_dense()</c> in PyTorch before saving.</summary>
    SparseTensor = 13,
}
