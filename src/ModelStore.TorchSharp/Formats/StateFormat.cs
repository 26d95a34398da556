namespace ModelStore.TorchSharp.Formats;

/// <summary>The on-disk formats of a state.</summary>
public enum StateFormat
{
    /// <summary>What <c>torch.save(model.state_dict(), f)</c> writes: a zip archive with a pickle and one entry per storage (MoZuMa's format).</summary>
    PyTorch = 1,

    /// <summary>The safetensors format: a JSON header then raw little-endian tensor bytes.</summary>
    Safetensors = 2,

    /// <summary>
    /// The legacy <c>torch.save</c> format (PyTorch before 1.6, or <c>_use_new_zipfile_serialization=False</c>): a magic
    /// number, a protocol version and system information, the pickle, the storage keys, then the raw storages.
    /// Read only: states are written as <see cref="PyTorch"/>.
    /// </summary>
    PyTorchLegacy = 3,
}
