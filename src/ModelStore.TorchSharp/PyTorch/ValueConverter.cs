using System.Collections.ObjectModel;
using System.Globalization;
using System.Numerics;
using ModelStore.TorchSharp.Formats;

namespace ModelStore.TorchSharp.PyTorch;

/// <summary>
/// Turns what the restricted unpickler read into public values: tensors become <see cref="StateTensorInfo"/>s (validated
/// against their storages, read on demand), dicts <see cref="IReadOnlyDictionary{TKey, TValue}"/> of object keys, lists
/// and tuples <see cref="IReadOnlyList{T}"/>, and ints, floats, strings, bools and None stay what they are.
/// </summary>
internal sealed class ValueConverter(IReadOnlyDictionary<string, StorageSpan> storages)
{
    private const int MaxDepth = 64;

    /// <summary>The state dict's tensors, named without <paramref name="prefix"/>, each view checked against its storage.</summary>
    public IReadOnlyList<StateTensorInfo> Tensors(IEnumerable<KeyValuePair<object?, object?>> items, string prefix)
    {
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
                throw new StateFormatException(StateFormatError.UnsupportedFeature, $"State-dict entry '{fullName}' is {StateDictLocator.Describe(value)}, not a tensor.");
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
            case null or bool or long or double or string or BigInteger:
                return value;
            case TensorRef tensor:
                return Tensor(path, tensor);
            case StorageRef storage:
                return Tensor(path, new TensorRef(storage, 0, [storage.ElementCount], [1]));
            case PickleGlobal global:
                return $"{global.Module}.{global.Name}";
            case PickleDict dict:
                var values = new OrderedValues();
                foreach (var (key, item) in dict.Items)
                {
                    var text = KeyText(key);
                    values.Set(key is string or long or bool or double or BigInteger ? key : text, Convert(item, $"{path}.{text}", depth + 1));
                }

                return values;
            case IReadOnlyList<object?> list:
                var items = new object?[list.Count];
                for (var i = 0; i < items.Length; i++)
                {
                    items[i] = Convert(list[i], string.Create(CultureInfo.InvariantCulture, $"{path}.{i}"), depth + 1);
                }

                return Array.AsReadOnly(items);
            default:
                return value.ToString();
        }
    }

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
