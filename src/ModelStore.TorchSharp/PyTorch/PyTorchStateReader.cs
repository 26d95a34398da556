using System.Text;
using ModelStore.TorchSharp.Formats;
using ModelStore.TorchSharp.IO;

namespace ModelStore.TorchSharp.PyTorch;

/// <summary>
/// Reads the pickle of a <c>torch.save</c> archive: <c>&lt;name&gt;/data.pkl</c> (the restricted pickle),
/// <c>&lt;name&gt;/data/&lt;key&gt;</c> (one stored entry per storage), <c>&lt;name&gt;/version</c> and, in newer
/// versions, <c>&lt;name&gt;/byteorder</c>. Storage bytes are not read here; each storage records where its bytes are
/// so tensors can be read straight into tensor memory. Archives that are not <c>torch.save</c> output (TorchScript,
/// NumPy <c>.npz</c>, Keras) are recognised by their entries and refused by name.
/// </summary>
internal static class PyTorchStateReader
{
    internal const long MaxPickleSize = 256L << 20;

    public static PickledState Read(RandomAccessSource source)
    {
        var entries = ZipDirectory.Read(source);
        if (ForeignFormats.FromZipEntries(entries.Keys) is { } foreign)
        {
            throw ForeignFormats.Refuse(foreign);
        }

        ZipDirectory.RequireStored(entries);
        var pickles = entries.Keys.Where(name => name == "data.pkl" || name.EndsWith("/data.pkl", StringComparison.Ordinal)).ToList();
        if (pickles.Count != 1)
        {
            throw new StateFormatException(
                StateFormatError.Corrupt,
                pickles.Count == 0
                    ? "The zip archive has no data.pkl: it is not a torch.save archive."
                    : $"The zip archive has {pickles.Count} data.pkl entries; a torch.save archive has one.");
        }

        var prefix = pickles[0][..^"data.pkl".Length];
        CheckByteOrder(source, entries, prefix);

        var pickleEntry = entries[pickles[0]];
        if (pickleEntry.Size > MaxPickleSize)
        {
            throw new StateFormatException(StateFormatError.UnsupportedFeature, $"The state-dict pickle is {pickleEntry.Size} bytes long; more than a state dict needs.");
        }

        var pickle = new byte[pickleEntry.Size];
        if (!source.TryReadExactly(pickleEntry.DataOffset, pickle))
        {
            throw new StateFormatException(StateFormatError.Truncated, "The state-dict pickle is cut short.");
        }

        var storages = new Dictionary<string, StorageSpan>(StringComparer.Ordinal);
        var references = new Dictionary<string, StorageRef>(StringComparer.Ordinal);
        object PersistentLoad(object?[] id)
        {
            if (id is not ["storage", PickleGlobal { StorageType: { } dtype }, string key, string, long count] || count < 0)
            {
                throw new StateFormatException(StateFormatError.Corrupt, "The state-dict pickle has a persistent id that is not a storage reference.");
            }

            if (references.TryGetValue(key, out var known))
            {
                return known.DType == dtype && known.ElementCount == count
                    ? known
                    : throw new StateFormatException(StateFormatError.Corrupt, $"Storage '{key}' is declared twice with different types or sizes.");
            }

            if (!entries.TryGetValue($"{prefix}data/{key}", out var entry))
            {
                throw new StateFormatException(StateFormatError.Truncated, $"Storage '{key}' is named by the pickle but has no entry '{prefix}data/{key}' in the archive.");
            }

            var bytes = count > long.MaxValue / DTypes.ElementSize(dtype) ? long.MaxValue : count * DTypes.ElementSize(dtype);
            if (bytes > entry.Size)
            {
                throw new StateFormatException(
                    StateFormatError.SizeMismatch,
                    $"Storage '{key}' declares {count} elements of {dtype} ({bytes} bytes) but its entry holds {entry.Size} bytes.");
            }

            storages[key] = new StorageSpan(key, dtype, count, entry.DataOffset, bytes);
            return references[key] = new StorageRef(key, dtype, count);
        }

        var root = new RestrictedUnpickler(pickle, PersistentLoad).Load();
        return new PickledState(root, storages);
    }

    private static void CheckByteOrder(RandomAccessSource source, Dictionary<string, ZipEntry> entries, string prefix)
    {
        if (!entries.TryGetValue($"{prefix}byteorder", out var entry))
        {
            return;
        }

        var bytes = new byte[Math.Min(entry.Size, 16)];
        if (!source.TryReadExactly(entry.DataOffset, bytes))
        {
            throw new StateFormatException(StateFormatError.Truncated, "The archive's byteorder entry is cut short.");
        }

        var order = Encoding.ASCII.GetString(bytes).Trim();
        if (order != "little")
        {
            throw new StateFormatException(StateFormatError.UnsupportedFeature, $"The archive was written on a '{order}'-endian machine; only little-endian data is supported.");
        }
    }
}
