namespace ModelStore.TorchSharp.Formats;

/// <summary>Recognises formats that are not states by content, and says in the refusal what to do instead.</summary>
internal static class ForeignFormats
{
    /// <summary>The refusal of a file in <paramref name="format"/>; <paramref name="detail"/> adds what was seen.</summary>
    public static StateFormatException Refuse(ForeignFormat format, string? detail = null)
    {
        var (what, instead) = format switch
        {
            ForeignFormat.TorchScript => (
                "a TorchScript archive (torch.jit.save): a compiled program with its code, not a state dict",
                "Load it as a program with TorchSharp's torch.jit.load, or save the weights with torch.save(model.state_dict(), f) (or torch.jit.load(f).state_dict()) and load that"),
            ForeignFormat.PickledModule => (
                "a whole pickled Python object (torch.save(model)), not a state dict: rebuilding it would mean running the classes it names, which this reader never does",
                "Save the weights with torch.save(model.state_dict(), f) and load that into a TorchSharp twin of the module"),
            ForeignFormat.NumPy => (
                "a NumPy file (.npy, or an .npz zip of .npy arrays)",
                "Convert it to safetensors or to a torch state dict (torch.save({name: torch.from_numpy(a)}, f)) and load that"),
            ForeignFormat.Onnx => (
                "an ONNX model (a protobuf graph with its weights)",
                "Run it with ONNX Runtime: the ModelStore.OnnxRuntime package gives state.CreateInferenceSession()"),
            ForeignFormat.Keras => (
                "a Keras/HDF5 model or weights file",
                "Export the weights from Keras (for example to safetensors or ONNX) and load that"),
            ForeignFormat.Gguf => (
                "a GGUF file (llama.cpp), whose tensors are often quantized",
                "Use the original PyTorch or safetensors weights, or a GGUF runtime such as llama.cpp"),
            ForeignFormat.PlainPickle => (
                "a plain Python pickle, not written by torch.save",
                "Save the tensors with torch.save(state_dict, f) or as safetensors and load that"),
            _ => ("a file in an unknown format", "Load a PyTorch state dict or a safetensors file"),
        };

        return new StateFormatException(format, $"This file is {what}{(detail is null ? "" : $" ({detail})")}. {instead}.");
    }

    private static ReadOnlySpan<byte> Hdf5Signature => [0x89, (byte)'H', (byte)'D', (byte)'F', (byte)'\r', (byte)'\n', 0x1a, (byte)'\n'];

    private static ReadOnlySpan<byte> NumPySignature => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Recognises a foreign format from the first bytes of a file, or returns <see langword="null"/>.</summary>
    public static ForeignFormat? FromPrefix(ReadOnlySpan<byte> prefix)
    {
        if (prefix.StartsWith(Hdf5Signature))
        {
            return ForeignFormat.Keras;
        }

        if (prefix.StartsWith("GGUF"u8))
        {
            return ForeignFormat.Gguf;
        }

        if (prefix.StartsWith(NumPySignature))
        {
            return ForeignFormat.NumPy;
        }

        // An ONNX ModelProto starts with field 1 (ir_version, a small varint), then another ModelProto field:
        // producer_name (2), producer_version (3), domain (4), model_version (5), doc_string (6), graph (7), opset_import (8).
        if (prefix.Length >= 3 && prefix[0] == 0x08 && prefix[1] is >= 1 and <= 30
            && prefix[2] is 0x12 or 0x1a or 0x22 or 0x28 or 0x32 or 0x3a or 0x42)
        {
            return ForeignFormat.Onnx;
        }

        return null;
    }

    /// <summary>Recognises a foreign format from the entry names of a zip archive, or returns <see langword="null"/>.</summary>
    public static ForeignFormat? FromZipEntries(IReadOnlyCollection<string> names)
    {
        if (names.Any(name => name == "constants.pkl" || name.EndsWith("/constants.pkl", StringComparison.Ordinal) || name.Contains("/code/__torch__", StringComparison.Ordinal) || name.StartsWith("code/__torch__", StringComparison.Ordinal)))
        {
            return ForeignFormat.TorchScript;
        }

        if (names.Count > 0 && names.All(name => name.EndsWith(".npy", StringComparison.Ordinal)))
        {
            return ForeignFormat.NumPy;
        }

        if (names.Contains("model.weights.h5") || (names.Contains("config.json") && names.Contains("metadata.json")))
        {
            return ForeignFormat.Keras;
        }

        return null;
    }
}
