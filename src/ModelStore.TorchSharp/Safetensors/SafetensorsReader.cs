using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Text.Json;
using ModelStore.TorchSharp.Formats;
using ModelStore.TorchSharp.IO;

namespace ModelStore.TorchSharp.Safetensors;

/// <summary>
/// Reads and validates a safetensors header: an 8-byte little-endian length, then a JSON object
/// <c>{"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}</c> with offsets
/// relative to the data that follows. Everything is checked against the file's length before any
/// tensor memory is allocated: header bounds, known dtypes, shape × element size = byte length,
/// offsets inside the data, no two tensors overlapping.
/// </summary>
internal static class SafetensorsReader
{
    /// <summary>The reference implementation's limit on the header size.</summary>
    public const long MaxHeaderSize = 100_000_000;

    public static (IReadOnlyList<StateTensorInfo> Tensors, IReadOnlyDictionary<string, string> Metadata) ReadHeader(RandomAccessSource source)
    {
        var length = source.Length;
        Span<byte> prefix = stackalloc byte[8];
        if (length < 8 || !source.TryReadExactly(0, prefix))
        {
            throw Fail(StateFormatError.Truncated, "the file is shorter than the 8-byte header length");
        }

        var headerSize = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerSize > MaxHeaderSize)
        {
            throw Fail(StateFormatError.Corrupt, $"the header declares {headerSize} bytes, more than the {MaxHeaderSize}-byte limit");
        }

        if ((long)headerSize > length - 8)
        {
            throw Fail(StateFormatError.Truncated, $"the header declares {headerSize} bytes but the file holds {length - 8} after the length");
        }

        var header = new byte[headerSize];
        if (!source.TryReadExactly(8, header))
        {
            throw Fail(StateFormatError.Truncated, "the header is cut short");
        }

        var dataStart = 8 + (long)headerSize;
        var dataLength = length - dataStart;
        if (!System.Text.Unicode.Utf8.IsValid(header))
        {
            throw Fail(StateFormatError.Corrupt, $"the header is not valid UTF-8 (at byte {8 + InvalidUtf8At(header)})");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw new StateFormatException(StateFormatError.Corrupt, $"The safetensors header is not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            try
            {
                return Interpret(document.RootElement, dataStart, dataLength);
            }
            catch (InvalidOperationException e)
            {
                // An escaped lone surrogate ("\ud800") is valid JSON but no string: System.Text.Json says so, with this
                // exception, when a name or value is read. Interpret throws nothing else of this type.
                throw new StateFormatException(StateFormatError.Corrupt, $"The safetensors file was refused: the header holds text that is not valid Unicode ({e.Message}).", e);
            }
        }
    }

    private static (IReadOnlyList<StateTensorInfo> Tensors, IReadOnlyDictionary<string, string> Metadata) Interpret(JsonElement root, long dataStart, long dataLength)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Fail(StateFormatError.Corrupt, "the header is not a JSON object");
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var tensors = new List<StateTensorInfo>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject())
        {
            if (!names.Add(property.Name))
            {
                throw Fail(StateFormatError.Corrupt, $"'{property.Name}' appears twice");
            }

            if (property.Name == "__metadata__")
            {
                ReadMetadata(property.Value, metadata);
                continue;
            }

            tensors.Add(ReadTensor(property.Name, property.Value, dataStart, dataLength));
        }

        CheckNoOverlap(tensors);
        return (tensors, metadata);
    }

    private static StateTensorInfo ReadTensor(string name, JsonElement value, long dataStart, long dataLength)
    {
        if (value.ValueKind != JsonValueKind.Object
            || !value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String
            || !value.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array
            || !value.TryGetProperty("data_offsets", out var offsetsElement) || offsetsElement.ValueKind != JsonValueKind.Array
            || offsetsElement.GetArrayLength() != 2)
        {
            throw Fail(StateFormatError.Corrupt, $"tensor '{name}' needs a dtype, a shape and two data_offsets");
        }

        var dtypeName = dtypeElement.GetString()!;
        if (!DTypes.TryFromSafetensors(dtypeName, out var dtype))
        {
            throw Fail(StateFormatError.UnsupportedDType, $"tensor '{name}' has the unsupported dtype '{dtypeName}'");
        }

        var shape = ImmutableArray.CreateBuilder<long>();
        var count = 1L;
        foreach (var dimension in shapeElement.EnumerateArray())
        {
            if (dimension.ValueKind != JsonValueKind.Number || !dimension.TryGetInt64(out var size) || size < 0)
            {
                throw Fail(StateFormatError.Corrupt, $"tensor '{name}' has a shape that is not a list of non-negative integers");
            }

            shape.Add(size);
            count = size == 0 || count == 0 ? 0 : count > long.MaxValue / size ? -1 : count * size;
            if (count < 0)
            {
                throw Fail(StateFormatError.Corrupt, $"tensor '{name}' has a shape whose size overflows");
            }
        }

        var begin = ReadOffset(offsetsElement[0], name);
        var end = ReadOffset(offsetsElement[1], name);
        if (begin > end || end > dataLength)
        {
            throw Fail(StateFormatError.SizeMismatch, $"tensor '{name}' spans bytes [{begin}, {end}) but the data holds {dataLength} bytes");
        }

        var elementSize = DTypes.ElementSize(dtype);
        if (count > long.MaxValue / elementSize || count * elementSize != end - begin)
        {
            throw Fail(StateFormatError.SizeMismatch, $"tensor '{name}' is {dtypeName}[{string.Join(", ", shape)}] but spans {end - begin} bytes");
        }

        var strides = new long[shape.Count];
        var stride = 1L;
        for (var i = shape.Count - 1; i >= 0; i--)
        {
            strides[i] = stride;
            stride *= Math.Max(1, shape[i]);
        }

        return new StateTensorInfo(name, dtype, shape.ToImmutable(), [.. strides], 0, new StorageSpan(name, dtype, count, dataStart + begin, end - begin));
    }

    private static long ReadOffset(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out var offset) && offset >= 0
            ? offset
            : throw Fail(StateFormatError.Corrupt, $"tensor '{name}' has a data offset that is not a non-negative integer");

    private static void ReadMetadata(JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Fail(StateFormatError.Corrupt, "__metadata__ is not an object");
        }

        foreach (var item in value.EnumerateObject())
        {
            metadata[item.Name] = item.Value.ValueKind == JsonValueKind.String
                ? item.Value.GetString()!
                : throw Fail(StateFormatError.Corrupt, $"__metadata__ value '{item.Name}' is not a string");
        }
    }

    private static void CheckNoOverlap(List<StateTensorInfo> tensors)
    {
        var ordered = tensors.Where(t => t.Storage.ByteLength > 0).OrderBy(t => t.Storage.FileOffset).ToList();
        for (var i = 1; i < ordered.Count; i++)
        {
            var previous = ordered[i - 1].Storage;
            if (ordered[i].Storage.FileOffset < previous.FileOffset + previous.ByteLength)
            {
                throw Fail(StateFormatError.Corrupt, $"tensors '{ordered[i - 1].Name}' and '{ordered[i].Name}' overlap");
            }
        }
    }

    private static int InvalidUtf8At(ReadOnlySpan<byte> text)
    {
        System.Text.Unicode.Utf8.ToUtf16(text, new char[text.Length], out var valid, out _, replaceInvalidSequences: false);
        return valid;
    }

    private static StateFormatException Fail(StateFormatError error, string what) =>
        new(error, $"The safetensors file was refused: {what}.");
}
