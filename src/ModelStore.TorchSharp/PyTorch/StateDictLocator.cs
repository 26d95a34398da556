using System.Collections.ObjectModel;
using System.Globalization;
using System.Numerics;
using ModelStore.TorchSharp.Formats;

namespace ModelStore.TorchSharp.PyTorch;

/// <summary>The state dict found in a file's pickle, the path it was found at, and the file's other top-level entries.</summary>
internal sealed record LocatedState(IReadOnlyList<StateTensorInfo> Tensors, string? StateDictPath, IReadOnlyDictionary<string, object?> Entries);

/// <summary>
/// Finds the state dict inside what a PyTorch file holds: the root itself when it is a dict of tensors, the entry an
/// explicit path names (<c>model</c>, <c>state_dict</c>, <c>model.encoder</c>), or else the first conventional key
/// (<see cref="ConventionalKeys"/>) that holds one. Everything else is converted to plain values, never executed.
/// </summary>
internal static class StateDictLocator
{
    /// <summary>
    /// The keys checkpoints keep their weights under, in the order they are tried: the explicit names first, then the
    /// bare <c>model</c>/<c>net</c> spellings, and the exponential moving averages last, so a checkpoint holding both
    /// the trained weights and their EMA yields the trained weights unless a path asks for the EMA.
    /// </summary>
    public static readonly IReadOnlyList<string> ConventionalKeys =
        ["state_dict", "model_state_dict", "model", "module", "net", "network", "params", "weights", "ema", "model_ema", "state_dict_ema"];

    private const int MaxSearchDepth = 3;

    public static LocatedState Locate(PickledState pickled, string? path)
    {
        var root = pickled.Root;
        var converter = new ValueConverter(pickled.Storages);
        if (!string.IsNullOrEmpty(path))
        {
            return ByPath(root, path, converter);
        }

        if (root is PickleDict dict)
        {
            if (dict.Items.Count == 0 || IsTensorDict(dict))
            {
                return new LocatedState(converter.Tensors(dict, dict.Items, prefix: ""), null, Empty);
            }

            if (Search(dict, 0) is { } found)
            {
                return Located(converter.Tensors(found.StateDict, found.StateDict.Items, prefix: ""), string.Join('.', found.Keys), root, found.Keys, converter);
            }

            // A dict mixing tensors with other values (an epoch beside the weights): the tensors are the state dict.
            var tensors = dict.Items.Where(IsTensorEntry).ToList();
            if (tensors.Count > 0)
            {
                return new LocatedState(converter.Tensors(dict, tensors, prefix: ""), null, converter.Entries(dict, IsTensorEntry));
            }

            throw NotFound(
                $"The file holds a dict of {DescribeKeys(dict)}, none of which is a state dict (a dict of tensors); the conventional keys "
                + $"{string.Join(", ", ConventionalKeys)} were looked for. Set StateDictPath to the entry that holds it.");
        }

        throw ForbiddenGlobals.FindIn(root) is { } forbidden
            ? ForbiddenGlobals.Refusal(forbidden, "the file's root object")
            : NotFound($"The file's root object is {Describe(root)}, not a state dict (a dict of tensors).");
    }

    private static LocatedState ByPath(object? root, string path, ValueConverter converter)
    {
        var segments = path.Split('.');
        if (segments.Any(segment => segment.Length == 0))
        {
            throw new ArgumentException($"StateDictPath '{path}' has an empty part: write names separated by single dots, for example 'model' or 'model.encoder'.", nameof(path));
        }

        var node = root;
        var walked = new List<string>();
        var i = 0;
        while (i < segments.Length)
        {
            var here = walked.Count == 0 ? "the file's root" : $"'{string.Join('.', walked)}'";
            if (node is PickleDict flat && IsTensorDict(flat))
            {
                // A flat state dict: the rest of the path is a prefix of its names ("model.encoder" selects "encoder.*" of "model").
                var prefix = string.Join('.', segments[i..]) + ".";
                var selected = flat.Items.Where(item => ((string)item.Key!).StartsWith(prefix, StringComparison.Ordinal)).ToList();
                if (selected.Count == 0)
                {
                    throw NotFound($"StateDictPath '{path}': the state dict at {here} has no entry whose name starts with '{prefix}'.");
                }

                return Located(converter.Tensors(flat, selected, prefix), path, root, walked, converter);
            }

            if (node is PickleDict dict)
            {
                var found = false;
                for (var j = segments.Length; j > i && !found; j--)
                {
                    var key = string.Join('.', segments[i..j]);
                    if (TryGet(dict, key, out var value))
                    {
                        node = value;
                        walked.Add(key);
                        i = j;
                        found = true;
                    }
                }

                if (!found)
                {
                    throw NotFound($"StateDictPath '{path}': {here} has no entry '{segments[i]}'; it has {DescribeKeys(dict)}.");
                }
            }
            else if (node is IReadOnlyList<object?> list && int.TryParse(segments[i], NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < list.Count)
            {
                node = list[index];
                walked.Add(segments[i]);
                i++;
            }
            else
            {
                throw NotFound($"StateDictPath '{path}': {here} is {Describe(node)}, which has no entry '{segments[i]}'.");
            }
        }

        return node is PickleDict target && (target.Items.Count == 0 || IsTensorDict(target))
            ? Located(converter.Tensors(target, target.Items, prefix: ""), path, root, walked, converter)
            : throw NotFound($"StateDictPath '{path}' is {Describe(node)}, not a state dict (a dict of tensors).");
    }

    private static LocatedState Located(IReadOnlyList<StateTensorInfo> tensors, string path, object? root, IReadOnlyList<string> walked, ValueConverter converter) =>
        new(tensors, path, root is PickleDict dict && walked.Count > 0 ? converter.Entries(dict, item => Equals(item.Key, walked[0])) : Empty);

    /// <summary>
    /// The first conventional key (depth first) that holds a state dict: the keys walked to it and the dict itself, so
    /// it is taken as found rather than looked up again by its dotted path (which a key containing a dot would misread).
    /// </summary>
    private static (string[] Keys, PickleDict StateDict)? Search(PickleDict dict, int depth)
    {
        foreach (var key in ConventionalKeys)
        {
            if (TryGet(dict, key, out var value) && value is PickleDict candidate)
            {
                if (IsTensorDict(candidate))
                {
                    return ([key], candidate);
                }

                if (depth + 1 < MaxSearchDepth && Search(candidate, depth + 1) is { } inner)
                {
                    return ([key, .. inner.Keys], inner.StateDict);
                }
            }
        }

        return null;
    }

    /// <summary>
    /// A dict of tensors. A value built from a global outside the allow-list does not make it something else: it is taken
    /// as the state dict, and <see cref="ValueConverter.Tensors"/> refuses that value (<see cref="StateFormatError.ForbiddenGlobal"/>).
    /// </summary>
    private static bool IsTensorDict(PickleDict dict) =>
        dict.Items.Any(IsTensorEntry) && dict.Items.All(item => IsTensorEntry(item) || (item.Key is string && ForbiddenGlobals.FindIn(item.Value) is not null));

    private static bool IsTensorEntry(KeyValuePair<object?, object?> item) => item is { Key: string, Value: TensorRef };

    private static bool TryGet(PickleDict dict, string key, out object? value)
    {
        // The last of duplicate keys wins, as in Python.
        for (var i = dict.Items.Count - 1; i >= 0; i--)
        {
            if (dict.Items[i].Key is string name && name == key)
            {
                value = dict.Items[i].Value;
                return true;
            }
        }

        value = null;
        return false;
    }

    private static string DescribeKeys(PickleDict dict)
    {
        const int Shown = 12;
        var keys = dict.Items.Select(item => $"'{ValueConverter.KeyText(item.Key)}' ({Describe(item.Value)})").ToList();
        return keys.Count == 0 ? "no entries"
            : keys.Count > Shown ? $"the entries {string.Join(", ", keys.Take(Shown))} and {keys.Count - Shown} more"
            : $"the entries {string.Join(", ", keys)}";
    }

    internal static string Describe(object? value) => value switch
    {
        null => "None",
        bool b => $"a bool ({(b ? "True" : "False")})",
        long or BigInteger => string.Create(CultureInfo.InvariantCulture, $"an integer ({value})"),
        double d => string.Create(CultureInfo.InvariantCulture, $"a float ({d})"),
        string => "a string",
        TensorRef => "a tensor",
        StorageRef => "a storage",
        PickleDict dict => $"a dict of {dict.Items.Count} entries",
        object?[] tuple => $"a tuple of {tuple.Length} items",
        List<object?> list => $"a list of {list.Count} items",
        PickleObject created => $"an object of {created.Global.QualifiedName} (read as data, not run)",
        PickleGlobal global => $"the global {global.QualifiedName}",
        PickleSet set => $"a set of {set.Items.Count} items",
        byte[] bytes => $"{bytes.Length} bytes",
        _ => value.GetType().Name,
    };

    private static StateFormatException NotFound(string message) => new(StateFormatError.StateDictNotFound, message);

    private static readonly IReadOnlyDictionary<string, object?> Empty = new ReadOnlyDictionary<string, object?>(new Dictionary<string, object?>());
}
