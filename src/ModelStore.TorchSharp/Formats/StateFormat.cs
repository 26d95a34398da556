namespace ModelStore.TorchSharp.Formats;

/// <summary>The on-disk formats of a state.</summary>
public enum StateFormat
{
    /// <summary>What <c>torch.save(model.state_dict(), f)</c> writes: a zip archive with a pickle and one entry per storage (MoZuMa's format).</summary>
    PyTorch = 1,

    /// <summary>The safetensors format: a JSON header then raw little-endian tensor bytes.</summary>
    Safetensors = 2,
}
