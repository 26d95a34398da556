using System.Text;

namespace ModelStore.Plums.Storage;

/// <summary>Reads a model's YAML file as strict UTF-8 (a leading byte order mark is allowed, as Python's decoders allow it).</summary>
internal static class Utf8File
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The file's text, or <see langword="null"/> after adding a <see cref="PlumsEncodingOffence"/> to <paramref name="offences"/>.</summary>
    public static string? Read(string path, string location, List<PlumsOffence> offences)
    {
        var bytes = File.ReadAllBytes(path);
        var start = bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
        try
        {
            return Strict.GetString(bytes, start, bytes.Length - start);
        }
        catch (DecoderFallbackException e)
        {
            var offset = start + Math.Max(e.Index, 0);
            offences.Add(new PlumsEncodingOffence(location, offset, e.BytesUnknown is { Length: > 0 } unknown ? unknown[0] : bytes[offset]));
            return null;
        }
    }
}
