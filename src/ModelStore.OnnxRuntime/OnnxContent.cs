namespace ModelStore.OnnxRuntime;

/// <summary>Names the state formats that are often mistaken for ONNX, so the refusal says what the bytes are.</summary>
internal static class OnnxContent
{
    public static string? DescribeOtherFormat(ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith("PK\u0003\u0004"u8))
        {
            return "a zip archive (a PyTorch state dict or TorchScript file: load it with ModelStore.TorchSharp)";
        }

        if (bytes.Length >= 9 && bytes[8] == (byte)'{')
        {
            return "a safetensors file (load it with ModelStore.TorchSharp)";
        }

        if (bytes.Length >= 2 && bytes[0] == 0x80 && bytes[1] <= 5)
        {
            return "a Python pickle (a legacy PyTorch file: load it with ModelStore.TorchSharp)";
        }

        return null;
    }
}
