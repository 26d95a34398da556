namespace ModelStore.TorchSharp.Formats;

/// <summary>
/// A well-known file format that holds weights but is not a state dict, recognised by content so the refusal can
/// say what the file is and what to do instead. Carried by <see cref="StateFormatException.ForeignFormat"/> when
/// <see cref="StateFormatException.FormatError"/> is <see cref="StateFormatError.ForeignFormat"/>.
/// </summary>
public enum ForeignFormat
{
    /// <summary>A TorchScript archive (<c>torch.jit.save</c>): a compiled program with its code, not a state dict.</summary>
    TorchScript = 1,

    /// <summary>A whole pickled Python object (<c>torch.save(model)</c>): loading it would mean running its classes.</summary>
    PickledModule = 2,

    /// <summary>A NumPy file (<c>.npy</c>, or an <c>.npz</c> zip of them).</summary>
    NumPy = 3,

    /// <summary>An ONNX model (a protobuf <c>ModelProto</c>).</summary>
    Onnx = 4,

    /// <summary>A Keras model or weights file (HDF5, or a Keras 3 <c>.keras</c> zip).</summary>
    Keras = 5,

    /// <summary>A GGUF file (llama.cpp and its family).</summary>
    Gguf = 6,

    /// <summary>A plain Python pickle that <c>torch.save</c> did not write.</summary>
    PlainPickle = 7,
}
