using System.Text;
using System.Text.Json;
using ModelStore.TorchSharp.IO;
using ModelStore.TorchSharp.PyTorch;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelStore.TorchSharp.Formats;

/// <summary>Writes named tensors as a PyTorch state dict (loadable by <c>torch.load</c>) or as safetensors.</summary>
public static class StateWriter
{
    /// <summary>The name of the folder inside a PyTorch archive (what <c>torch.save</c> writes to a buffer).</summary>
    public const string PyTorchArchiveName = "archive";

    /// <summary>Writes <paramref name="tensors"/> to <paramref name="destination"/> (which need not seek) in <paramref name="format"/>.</summary>
    /// <exception cref="StateFormatException">A tensor has a type neither format can hold.</exception>
    public static void Write(Stream destination, IEnumerable<KeyValuePair<string, Tensor>> tensors, StateFormat format, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(tensors);
        var dense = new List<(string Name, Tensor Tensor, bool Owned)>();
        try
        {
            foreach (var (name, tensor) in tensors)
            {
                ArgumentNullException.ThrowIfNull(tensor, name);
                _ = DTypes.ElementSize(tensor.dtype);
                var ready = tensor.device_type == DeviceType.CPU && tensor.is_contiguous();
                dense.Add((name, ready ? tensor : tensor.cpu().contiguous(), !ready));
            }

            if (format == StateFormat.PyTorch)
            {
                WritePyTorch(destination, dense);
            }
            else if (format == StateFormat.Safetensors)
            {
                WriteSafetensors(destination, dense, metadata);
            }
            else
            {
                throw new ArgumentOutOfRangeException(
                    nameof(format),
                    format,
                    format == StateFormat.PyTorchLegacy ? "The legacy torch.save format is read only; write StateFormat.PyTorch, which every PyTorch since 1.6 reads." : "Unknown state format.");
            }

            destination.Flush();
        }
        finally
        {
            foreach (var (_, tensor, owned) in dense)
            {
                if (owned)
                {
                    tensor.Dispose();
                }
            }
        }
    }

    private static void WritePyTorch(Stream destination, List<(string Name, Tensor Tensor, bool Owned)> tensors)
    {
        var zip = new ZipWriter(destination);
        var pickle = new StateDictPickleWriter();
        for (var i = 0; i < tensors.Count; i++)
        {
            var (name, tensor, _) = tensors[i];
            pickle.AddTensor(name, DTypes.StorageName(tensor.dtype), i.ToString(System.Globalization.CultureInfo.InvariantCulture), tensor.NumberOfElements, tensor.shape);
        }

        var prefix = PyTorchArchiveName + "/";
        zip.AddEntry(prefix + "data.pkl", pickle.Finish());
        zip.AddEntry(prefix + "byteorder", "little"u8);
        for (var i = 0; i < tensors.Count; i++)
        {
            var tensor = tensors[i].Tensor;
            var crc = new System.IO.Hashing.Crc32();
            TensorMemory.ForEachChunk(tensor, chunk => crc.Append(chunk.Span));
            zip.AddEntry(
                prefix + "data/" + i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                crc.GetCurrentHashAsUInt32(),
                tensor.NumberOfElements * tensor.ElementSize,
                write => TensorMemory.ForEachChunk(tensor, chunk => write(chunk.Span)));
        }

        zip.AddEntry(prefix + "version", "3\n"u8);
        zip.Finish();
    }

    private static void WriteSafetensors(Stream destination, List<(string Name, Tensor Tensor, bool Owned)> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        using var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject("__metadata__");
                foreach (var (key, value) in metadata)
                {
                    writer.WriteString(key, value);
                }

                writer.WriteEndObject();
            }

            var offset = 0L;
            foreach (var (name, tensor, _) in tensors)
            {
                var length = tensor.NumberOfElements * tensor.ElementSize;
                writer.WriteStartObject(name);
                writer.WriteString("dtype", DTypes.SafetensorsName(tensor.dtype));
                writer.WriteStartArray("shape");
                foreach (var size in tensor.shape)
                {
                    writer.WriteNumberValue(size);
                }

                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(offset + length);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset += length;
            }

            writer.WriteEndObject();
        }

        // The header is padded with spaces so the data starts 8-byte aligned, as the reference writer does.
        var headerLength = (json.Length + 7) / 8 * 8;
        var prefix = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(prefix, headerLength);
        destination.Write(prefix);
        destination.Write(json.GetBuffer().AsSpan(0, (int)json.Length));
        destination.Write(Encoding.ASCII.GetBytes(new string(' ', (int)(headerLength - json.Length))));
        foreach (var (_, tensor, _) in tensors)
        {
            TensorMemory.ForEachChunk(tensor, chunk => destination.Write(chunk.Span));
        }
    }
}
