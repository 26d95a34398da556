namespace ModelStore.TorchSharp.Formats;

/// <summary>Why a state file was refused. Carried by every <see cref="StateFormatException"/>.</summary>
public enum StateFormatError
{
    /// <summary>The bytes are neither a PyTorch state dict (zip) nor safetensors.</summary>
    UnknownFormat = 1,

    /// <summary>The file ends before the structure it declares (a truncated download, a cut archive).</summary>
    Truncated = 2,

    /// <summary>The structure is malformed: bad offsets, overlapping ranges, invalid header or pickle structure.</summary>
    Corrupt = 3,

    /// <summary>The pickle names a Python callable or class outside the state-dict allow-list (for example <c>os.system</c>). Nothing is executed.</summary>
    ForbiddenGlobal = 4,

    /// <summary>The pickle uses an opcode a state dict does not need.</summary>
    UnsupportedPickle = 5,

    /// <summary>A tensor has a data type this reader does not handle.</summary>
    UnsupportedDType = 6,

    /// <summary>A declared size does not match the data: a storage or tensor larger than the bytes present.</summary>
    SizeMismatch = 7,

    /// <summary>A valid file that uses a feature outside state dicts (compressed entries, big-endian data, the legacy pre-1.6 format, non-tensor values).</summary>
    UnsupportedFeature = 8,
}
