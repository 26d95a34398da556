using System.Buffers.Binary;

namespace ModelStore.TorchSharp.Formats;

/// <summary>Tells the formats apart by their first bytes, never by file name.</summary>
public static class StateFormatDetector
{
    /// <summary>How many leading bytes <see cref="Detect(ReadOnlySpan{byte})"/> looks at (a shorter file is passed whole).</summary>
    public const int PrefixLength = 32;

    /// <summary>The magic number the legacy format pickles first: 0x1950a86a20f9469cfc6c, as the 10 little-endian bytes of a pickle LONG1.</summary>
    private static ReadOnlySpan<byte> LegacyMagic => [0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

    /// <summary>Detects the format from the first <see cref="PrefixLength"/> bytes of a file.</summary>
    /// <exception cref="StateFormatException">
    /// The bytes are not a state format: <see cref="StateFormatError.ForeignFormat"/> for a recognised other format
    /// (ONNX, HDF5, GGUF, NumPy, a plain pickle), else <see cref="StateFormatError.UnknownFormat"/>.
    /// </exception>
    public static StateFormat Detect(ReadOnlySpan<byte> prefix)
    {
        // A zip archive starts with a local file header (TorchScript and .npz archives are told apart by their entries).
        if (prefix.Length >= 4 && prefix[0] == (byte)'P' && prefix[1] == (byte)'K' && prefix[2] == 3 && prefix[3] == 4)
        {
            return StateFormat.PyTorch;
        }

        // safetensors: an 8-byte little-endian header length, then a JSON object.
        if (prefix.Length >= 9 && prefix[8] == (byte)'{' && BinaryPrimitives.ReadUInt64LittleEndian(prefix) >= 2)
        {
            return StateFormat.Safetensors;
        }

        // The legacy torch.save format is a series of pickles, the first of which is the magic number.
        if (prefix.Length >= 2 && prefix[0] == 0x80 && prefix[1] <= 5)
        {
            var body = prefix[2..];
            if (body.Length >= 9 && body[0] == 0x95)
            {
                body = body[9..]; // FRAME (protocol 4 and later)
            }

            if (body.StartsWith(LegacyMagic))
            {
                return StateFormat.PyTorchLegacy;
            }

            if (body.Length < LegacyMagic.Length && LegacyMagic.StartsWith(body))
            {
                throw new StateFormatException(StateFormatError.Truncated, $"The file is {prefix.Length} bytes long: it ends inside the legacy torch.save header.");
            }

            throw ForeignFormats.Refuse(ForeignFormat.PlainPickle, "it does not start with torch.save's magic number");
        }

        if (ForeignFormats.FromPrefix(prefix) is { } foreign)
        {
            throw ForeignFormats.Refuse(foreign);
        }

        throw new StateFormatException(
            StateFormatError.UnknownFormat,
            prefix.Length < 9
                ? $"The state is {prefix.Length} bytes long: too short for a PyTorch or safetensors file."
                : "The state is neither a PyTorch state dict (zip archive or legacy torch.save file) nor a safetensors file.");
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
