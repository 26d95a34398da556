using System.Buffers.Binary;

namespace ModelStore.TorchSharp.Formats;

/// <summary>Tells the formats apart by their first bytes, never by file name.</summary>
public static class StateFormatDetector
{
    /// <summary>How many leading bytes <see cref="Detect(ReadOnlySpan{byte})"/> looks at.</summary>
    public const int PrefixLength = 9;

    /// <summary>Detects the format from the first <see cref="PrefixLength"/> bytes of a file.</summary>
    /// <exception cref="StateFormatException">The bytes are not a known state format.</exception>
    public static StateFormat Detect(ReadOnlySpan<byte> prefix)
    {
        // A zip archive starts with a local file header.
        if (prefix.Length >= 4 && prefix[0] == (byte)'P' && prefix[1] == (byte)'K' && prefix[2] == 3 && prefix[3] == 4)
        {
            return StateFormat.PyTorch;
        }

        // safetensors: an 8-byte little-endian header length, then a JSON object.
        if (prefix.Length >= PrefixLength && prefix[8] == (byte)'{' && BinaryPrimitives.ReadUInt64LittleEndian(prefix) >= 2)
        {
            return StateFormat.Safetensors;
        }

        // The legacy torch.save format (before PyTorch 1.6) is a bare pickle stream.
        if (prefix.Length >= 2 && prefix[0] == 0x80 && prefix[1] <= 5)
        {
            throw new StateFormatException(
                StateFormatError.UnsupportedFeature,
                "This is the legacy torch.save format (a bare pickle, PyTorch < 1.6 or _use_new_zipfile_serialization=False); re-save it with a current PyTorch.");
        }

        throw new StateFormatException(
            StateFormatError.UnknownFormat,
            prefix.Length < PrefixLength
                ? $"The state is {prefix.Length} bytes long: too short for a PyTorch or safetensors file."
                : "The state is neither a PyTorch state dict (zip archive) nor a safetensors file.");
    }

    /// <summary>Detects the format of a seekable stream from its current position, leaving the position unchanged.</summary>
    public static StateFormat Detect(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanSeek)
        {
            throw new ArgumentException("Format detection needs a seekable stream.", nameof(stream));
        }

        var start = stream.Position;
        Span<byte> prefix = stackalloc byte[PrefixLength];
        var read = stream.ReadAtLeast(prefix, PrefixLength, throwOnEndOfStream: false);
        stream.Position = start;
        return Detect(prefix[..read]);
    }
}
