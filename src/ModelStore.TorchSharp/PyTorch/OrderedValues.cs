using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace ModelStore.TorchSharp.PyTorch;

/// <summary>A Python dict read as data: keys in insertion order, a later duplicate key replacing the value (as in Python).</summary>
internal sealed class OrderedValues : IReadOnlyDictionary<object, object?>
{
    private readonly List<object> _keys = [];
    private readonly Dictionary<object, object?> _values = [];

    public int Count => _keys.Count;

    public IEnumerable<object> Keys => _keys;

    public IEnumerable<object?> Values => _keys.Select(key => _values[key]);

    public object? this[object key] => _values[key];

    public void Set(object key, object? value)
    {
        if (!_values.ContainsKey(key))
        {
            _keys.Add(key);
        }

        _values[key] = value;
    }

    public bool ContainsKey(object key) => _values.ContainsKey(key);

    public bool TryGetValue(object key, [MaybeNullWhen(false)] out object? value) => _values.TryGetValue(key, out value);

    public IEnumerator<KeyValuePair<object, object?>> GetEnumerator() => _keys.Select(key => new KeyValuePair<object, object?>(key, _values[key])).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
