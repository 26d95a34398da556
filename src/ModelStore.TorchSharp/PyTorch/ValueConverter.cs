using System.Collections.ObjectModel;
using System.Globalization;
using System.Numerics;
using ModelStore.TorchSharp.Formats;

namespace ModelStore.TorchSharp.PyTorch;

/// <summary>
/// Turns what the restricted unpickler read into public values: tensors become <see cref="StateTensorInfo"/>s (validated
/// against their storages, read on demand), dicts <see cref="IReadOnlyDictionary{TKey, TValue}"/> of object keys, lists
/// and tuples <see cref="IReadOnlyList{T}"/>, ints, floats, strings, bools and None stay what they are, bytes are
/// <see cref="byte"/>[], the harmless types of <see cref="KnownValues"/> their .NET values, and any other recorded object
/// a <see cref="PickledObject"/>. An object the pickle shares between places is converted once.
/// </summary>
internal sealed class ValueConverter(IReadOnlyDictionary<string, StorageSpan> storages)
{
    private const int MaxDepth = 64;
    private readonly Dictionary<object, object?> _converted = new(ReferenceEqualityComparer.Instance);

    /// <summary>
    /// The tensors of the state dict <paramref name="stateDict"/> (its <paramref name="items"/>), named without
    /// <paramref name="prefix"/>, each view checked against its storage. The strict allow-list holds here: a value or
    /// metadata built from another global is refused.
    /// </summary>
    public IReadOnlyList<StateTensorInfo> Tensors(PickleDict stateDict, IEnumerable<KeyValuePair<object?, object?>> items, string prefix)
    {
        if (ForbiddenGlobals.FindIn(stateDict.Attributes) is { } inMetadata)
        {
            throw ForbiddenGlobals.Refusal(inMetadata, "the state dict's metadata");
        }

        var tensors = new List<StateTensorInfo>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in items)
        {
            if (key is not string fullName)
            {
                throw new StateFormatException(StateFormatError.UnsupportedFeature, $"The state dict has a key that is not a string ({StateDictLocator.Describe(key)}).");
            }

            if (value is not TensorRef tensor)
            {
                throw ForbiddenGlobals.FindIn(value) is { } forbidden
                    ? ForbiddenGlobals.Refusal(forbidden, $"state-dict entry '{PickleGlobal.Printable(fullName)}'")
                    : new StateFormatException(StateFormatError.UnsupportedFeature, $"State-dict entry '{fullName}' is {StateDictLocator.Describe(value)}, not a tensor.");
            }

            var name = fullName[prefix.Length..];
            if (!names.Add(name))
            {
                throw new StateFormatException(StateFormatError.Corrupt, $"State-dict entry '{fullName}' appears twice.");
            }

            tensors.Add(Tensor(name, tensor));
        }

        return tensors;
    }

    /// <summary>The entries of the root dict, except those <paramref name="skip"/> selects, as plain values by key text.</summary>
    public IReadOnlyDictionary<string, object?> Entries(PickleDict root, Func<KeyValuePair<object?, object?>, bool> skip)
    {
        var entries = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var item in root.Items)
        {
            if (!skip(item))
            {
                var key = KeyText(item.Key);
                entries[key] = Convert(item.Value, key, 1);
            }
        }

        return new ReadOnlyDictionary<string, object?>(entries);
    }

    /// <summary>How a dict key appears as text: strings as they are, other keys as Python would print them.</summary>
    public static string KeyText(object? key) => key switch
    {
        string text => text,
        null => "None",
        bool b => b ? "True" : "False",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        object?[] tuple => $"({string.Join(", ", tuple.Select(KeyText))}{(tuple.Length == 1 ? "," : "")})",
        PickleObject created => $"{created.Global.QualifiedName}(...)",
        PickleGlobal global => global.QualifiedName,
        _ => key.ToString() ?? "",
    };

    private object? Convert(object? value, string path, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new StateFormatException(StateFormatError.Corrupt, $"The value at '{path}' is nested more than {MaxDepth} levels deep.");
        }

        switch (value)
        {
            case null or bool or long or double or string or BigInteger or byte[]:
                return value;
            case TensorRef tensor:
                return Tensor(path, tensor);
            case StorageRef storage:
                return Tensor(path, new TensorRef(storage, 0, [storage.ElementCount], [1]));
            case PickleGlobal global:
                return KnownValues.FromGlobal(global);
        }

        if (_converted.TryGetValue(value, out var done))
        {
            return done;
        }

        var converted = value switch
        {
            PickleDict dict => Dict(dict.Items, path, depth),
            PickleSet set => set.Items.Select((item, i) => Convert(item, Child(path, i), depth + 1)).ToHashSet(),
            PickleObject created => KnownValues.TryConvert(created, item => Convert(item, path, depth + 1), out var known) ? known : new PickledObject(
                created.Global.QualifiedName,
                List(created.Arguments, path, depth),
                Convert(created.State, path, depth + 1),
                List(created.ListItems, path, depth),
                Dict(created.DictItems, path, depth)),
            IReadOnlyList<object?> list => List(list, path, depth),
            _ => value.ToString(),
        };
        _converted[value] = converted;
        return converted;
    }

    private OrderedValues Dict(IEnumerable<KeyValuePair<object?, object?>> items, string path, int depth)
    {
        var values = new OrderedValues();
        foreach (var (key, item) in items)
        {
            var text = KeyText(key);
            values.Set(key is string or long or bool or double or BigInteger ? key : text, Convert(item, $"{path}.{text}", depth + 1));
        }

        return values;
    }

    private IReadOnlyList<object?> List(IReadOnlyList<object?> list, string path, int depth)
    {
        var items = new object?[list.Count];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = Convert(list[i], Child(path, i), depth + 1);
        }

        return Array.AsReadOnly(items);
    }

    private static string Child(string path, int index) => string.Create(CultureInfo.InvariantCulture, $"{path}.{index}");

    private StateTensorInfo Tensor(string name, TensorRef tensor)
    {
        if (!storages.TryGetValue(tensor.Storage.Key, out var storage))
        {
            throw new StateFormatException(StateFormatError.Corrupt, $"Tensor '{name}' names storage '{tensor.Storage.Key}', which the file does not hold.");
        }

        var info = new StateTensorInfo(name, tensor.Storage.DType, [.. tensor.Shape], [.. tensor.Strides], tensor.StorageOffset, storage);
        info.ValidateView();
        return info;
    }
}
