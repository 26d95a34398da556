using System.Buffers.Binary;
using System.Numerics;
using ModelStore.TorchSharp.Formats;
using ModelStore.TorchSharp.IO;

namespace ModelStore.TorchSharp.PyTorch;

/// <summary>
/// Reads the legacy <c>torch.save</c> format (PyTorch before 1.6, or <c>_use_new_zipfile_serialization=False</c>):
/// five things one after the other, all read with the restricted unpickler: the magic number, the protocol version
/// (1001), the system information (byte order), the object's pickle with storages as persistent ids
/// <c>('storage', type, key, location, numel, view)</c>, and the sorted list of storage keys; then for each key an
/// 8-byte little-endian element count and the raw elements. Storage bytes are located, not read, so tensors are read
/// from the file straight into their memory as with the zip format.
/// </summary>
internal static class LegacyStateReader
{
    private const long ProtocolVersion = 1001;
    private static readonly BigInteger Magic = BigInteger.Parse("119547037146038801333356", System.Globalization.CultureInfo.InvariantCulture); // 0x1950a86a20f9469cfc6c

    public static PickledState Read(RandomAccessSource source)
    {
        var input = PickleInput.FromSource(source, 0, PyTorchStateReader.MaxPickleSize);
        if (Load(input) is not BigInteger magic || magic != Magic)
        {
            throw Corrupt("it does not start with torch.save's magic number");
        }

        var protocol = Load(input);
        if (protocol is not ProtocolVersion)
        {
            throw new StateFormatException(StateFormatError.UnsupportedFeature, $"The legacy torch.save file has protocol version {StateDictLocator.Describe(protocol)}; PyTorch only ever wrote {ProtocolVersion}.");
        }

        if (Load(input) is not PickleDict systemInfo)
        {
            throw Corrupt("its system information is not a dict");
        }

        foreach (var (key, value) in systemInfo.Items)
        {
            if (key is "little_endian" && value is false)
            {
                throw new StateFormatException(StateFormatError.UnsupportedFeature, "The legacy torch.save file was written on a big-endian machine; only little-endian data is supported.");
            }
        }

        var roots = new Dictionary<string, StorageRef>(StringComparer.Ordinal);
        var views = new Dictionary<string, StorageRef>(StringComparer.Ordinal);
        object PersistentLoad(object?[] id)
        {
            if (id is ["module", PickleGlobal type, ..])
            {
                // torch.save(model) in the legacy format names each module class, with its source, as a persistent id.
                throw ForeignFormats.Refuse(ForeignFormat.PickledModule, $"it names the class '{type.QualifiedName}'; nothing was executed");
            }

            if (id is not ["storage", PickleGlobal { StorageType: { } dtype }, string key, string, long count, var view] || count < 0)
            {
                throw new StateFormatException(StateFormatError.Corrupt, "The legacy pickle has a persistent id that is not a storage reference.");
            }

            var root = Remember(roots, new StorageRef(key, dtype, count));
            if (view is null)
            {
                return root;
            }

            if (view is not object?[] { Length: 3 } metadata || metadata is not [string viewKey, long offset, long size] || offset < 0 || size < 0)
            {
                throw new StateFormatException(StateFormatError.Corrupt, $"Storage '{key}' has malformed view metadata.");
            }

            return Remember(views, new StorageRef(viewKey, dtype, size, key, offset));
        }

        var pickled = new RestrictedUnpickler(input, PersistentLoad).Load();
        if (Load(input) is not IReadOnlyList<object?> keys || keys.Any(key => key is not string))
        {
            throw Corrupt("the list of storage keys after the pickle is missing or malformed");
        }

        var storages = LocateStorages(source, input.Position, keys.Cast<string>(), roots);
        foreach (var view in views.Values)
        {
            var root = storages[view.RootKey!];
            var elementSize = DTypes.ElementSize(view.DType);
            if (view.RootOffset > root.ElementCount || view.ElementCount > root.ElementCount - view.RootOffset)
            {
                throw new StateFormatException(
                    StateFormatError.SizeMismatch,
                    $"Storage view '{view.Key}' spans elements [{view.RootOffset}, {view.RootOffset + view.ElementCount}) of storage '{root.Key}', which has {root.ElementCount}.");
            }

            storages[view.Key] = new StorageSpan(view.Key, view.DType, view.ElementCount, root.FileOffset + (view.RootOffset * elementSize), view.ElementCount * elementSize);
        }

        return new PickledState(pickled, storages);
    }

    private static Dictionary<string, StorageSpan> LocateStorages(RandomAccessSource source, long position, IEnumerable<string> keys, Dictionary<string, StorageRef> roots)
    {
        var storages = new Dictionary<string, StorageSpan>(StringComparer.Ordinal);
        Span<byte> header = stackalloc byte[8];
        foreach (var key in keys)
        {
            if (!roots.TryGetValue(key, out var storage))
            {
                throw Corrupt($"storage '{key}' is stored but no tensor names it, so its element type is unknown");
            }

            if (storages.ContainsKey(key))
            {
                throw Corrupt($"storage '{key}' is listed twice");
            }

            if (!source.TryReadExactly(position, header))
            {
                throw new StateFormatException(StateFormatError.Truncated, $"The legacy torch.save file ends before storage '{key}'.");
            }

            var count = BinaryPrimitives.ReadInt64LittleEndian(header);
            if (count != storage.ElementCount)
            {
                throw new StateFormatException(
                    StateFormatError.SizeMismatch,
                    $"Storage '{key}' is declared with {storage.ElementCount} elements by the pickle, but its record in the file says {count}.");
            }

            var elementSize = DTypes.ElementSize(storage.DType);
            var available = source.Length - position - 8;
            if (count > available / elementSize)
            {
                throw new StateFormatException(
                    StateFormatError.SizeMismatch,
                    $"Storage '{key}' declares {count} elements of {storage.DType} ({count * (double)elementSize:0} bytes) but only {available} bytes follow in the file.");
            }

            storages[key] = new StorageSpan(key, storage.DType, count, position + 8, count * elementSize);
            position += 8 + (count * elementSize);
        }

        foreach (var key in roots.Keys)
        {
            if (!storages.ContainsKey(key))
            {
                throw new StateFormatException(StateFormatError.Truncated, $"Storage '{key}' is named by the pickle but is not stored in the file.");
            }
        }

        return storages;
    }

    private static StorageRef Remember(Dictionary<string, StorageRef> known, StorageRef storage)
    {
        if (known.TryGetValue(storage.Key, out var earlier))
        {
            return earlier == storage
                ? earlier
                : throw new StateFormatException(StateFormatError.Corrupt, $"Storage '{storage.Key}' is declared twice with different types, sizes or offsets.");
        }

        known[storage.Key] = storage;
        return storage;
    }

    private static object? Load(PickleInput input) =>
        new RestrictedUnpickler(input, _ => throw Corrupt("a header pickle names a storage")).Load();

    private static StateFormatException Corrupt(string what) =>
        new(StateFormatError.Corrupt, $"The legacy torch.save file is corrupt: {what}.");
}
